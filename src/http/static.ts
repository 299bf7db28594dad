import { readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import type { Middleware } from 'koa';

const TYPES: Record<string, string> = { '.css': 'text/css; charset=utf-8', '.svg': 'image/svg+xml', '.png': 'image/png' };

/** Serves the few assets under views/static from memory (read once at start), under /static/. */
export function staticAssets(directory: string): Middleware {
  const files = new Map<string, { body: Buffer; type: string }>();
  for (const name of readdirSync(directory)) {
    const type = TYPES[extname(name)];
    if (type) files.set(`/static/${name}`, { body: readFileSync(join(directory, name)), type });
  }
  return async function serveStatic(ctx, next) {
    const file = ctx.method === 'GET' || ctx.method === 'HEAD' ? files.get(ctx.path) : undefined;
    if (!file) return next();
    ctx.type = file.type;
    ctx.set('Cache-Control', 'public, max-age=3600');
    ctx.body = file.body;
  };
}
