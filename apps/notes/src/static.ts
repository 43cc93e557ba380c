/**
 * The app's own static files (CSS, the live-update script), read once at start-up and served
 * from memory with a content hash in the URL, so they can be cached for a year. No CDN.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type Koa from 'koa';

/** Where the static files live (beside src/ and dist/). */
export const PUBLIC_DIR = new URL('../public/', import.meta.url);

const TYPES: Record<string, string> = {
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml',
};

interface Asset {
  body: Buffer;
  type: string;
  hash: string;
}

/** The loaded static files. */
export interface Assets {
  /** `/static/name?v=hash` for templates. */
  url(name: string): string;
  middleware(): Koa.Middleware;
}

/** Load `names` from public/. */
export function loadAssets(names: string[] = ['style.css', 'live.js', 'favicon.svg']): Assets {
  const files = new Map<string, Asset>();
  for (const name of names) {
    const body = readFileSync(new URL(name, PUBLIC_DIR));
    const extension = name.slice(name.lastIndexOf('.'));
    files.set(name, {
      body,
      type: TYPES[extension] ?? 'application/octet-stream',
      hash: createHash('sha256').update(body).digest('hex').slice(0, 12),
    });
  }
  return {
    url(name) {
      const file = files.get(name);
      return file ? `/static/${name}?v=${file.hash}` : `/static/${name}`;
    },
    middleware() {
      return async (ctx, next) => {
        if (!ctx.path.startsWith('/static/') || (ctx.method !== 'GET' && ctx.method !== 'HEAD')) {
          await next();
          return;
        }
        const file = files.get(ctx.path.slice('/static/'.length));
        if (!file) {
          await next();
          return;
        }
        ctx.type = file.type;
        ctx.set(
          'Cache-Control',
          ctx.query.v === file.hash ? 'public, max-age=31536000, immutable' : 'no-cache',
        );
        ctx.etag = file.hash;
        if (ctx.fresh) {
          ctx.status = 304;
          return;
        }
        ctx.body = file.body;
      };
    },
  };
}
