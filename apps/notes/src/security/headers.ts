/**
 * Security headers, set by hand on every response (a fixed set, so no per-request work beyond
 * assigning strings). The CSP allows only this origin's files: no inline script or style, which
 * is why live.js and style.css are served as files.
 */
import type Koa from 'koa';

const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * Middleware adding the security headers. When the public URL is https: HSTS, and the request
 * counts as secure for cookies — TLS ends at the proxy in front (the edge proxy, issue 19), so
 * the app itself sees plain HTTP, and the `cookies` module refuses to set a `Secure` cookie on a
 * connection it believes unencrypted ("Cannot send secure cookie over unencrypted connection":
 * every page that started a session answered 500). The public URL is the operator's word that
 * browsers reach the app over HTTPS; no X-Forwarded-Proto from a client is trusted for it.
 */
export function securityHeaders(options: { https: boolean }): Koa.Middleware {
  const headers: Record<string, string> = {
    'Content-Security-Policy': CSP,
    'X-Frame-Options': 'DENY',
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'same-origin',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
    'Permissions-Policy': 'camera=(), microphone=(), geolocation=()',
  };
  if (options.https) headers['Strict-Transport-Security'] = 'max-age=31536000';
  return async (ctx, next) => {
    ctx.set(headers);
    if (options.https) ctx.cookies.secure = true;
    await next();
  };
}
