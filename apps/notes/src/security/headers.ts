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

/** Middleware adding the security headers; HSTS only when the public URL is https. */
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
    await next();
  };
}
