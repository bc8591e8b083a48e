import { existsSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sirv from 'sirv';

export const webDistDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../web/dist');

/**
 * Serves the built admin app: hashed assets cached for a year, index.html never cached, and
 * index.html for any other path so deep links (/tokens/<id>, /verify-email?token=...) load.
 * Returns null when the app has not been built.
 */
export function createStaticHandler(dir = webDistDir) {
  if (!existsSync(path.join(dir, 'index.html'))) return null;
  const serve = sirv(dir, {
    single: true,
    etag: true,
    gzip: false,
    setHeaders: (res, pathname) => {
      if (pathname.startsWith('/assets/'))
        res.setHeader('Cache-Control', 'public, max-age=31536000, immutable');
      else res.setHeader('Cache-Control', 'no-cache');
      res.setHeader('X-Content-Type-Options', 'nosniff');
      res.setHeader('Referrer-Policy', 'same-origin');
    },
  });
  return (req: IncomingMessage, res: ServerResponse, notFound: () => void) => serve(req, res, notFound);
}
