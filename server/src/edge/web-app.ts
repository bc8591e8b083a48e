import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sirv from 'sirv';
import { KeywardError } from '../errors.js';
import { PAGE_HEADERS } from './respond.js';
import { type Route, route } from './route.js';

export const webDistDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../web/dist');

/**
 * The built admin app as the route table's catch-all: hashed assets cached for a year,
 * index.html never cached, and index.html for any other path so deep links (/tokens/<id>,
 * /verify-email?token=...) load. Page security headers (a CSP without inline script) on all of
 * it. Null when the app has not been built.
 */
export function webAppRoute(dir = webDistDir): Route | null {
  if (!existsSync(path.join(dir, 'index.html'))) return null;
  const serve = sirv(dir, {
    single: true,
    etag: true,
    setHeaders: (res, pathname) => {
      if (pathname.startsWith('/assets/'))
        res.setHeader('Cache-Control', 'public, max-age=31536000, immutable');
      else res.setHeader('Cache-Control', 'no-cache');
    },
  });
  return route({
    method: 'GET',
    path: '/*',
    label: 'web',
    surface: 'rest',
    auth: { required: false },
    page: true,
    compress: true,
    handle: ({ req, res, ctx }) =>
      new Promise((resolve, reject) => {
        for (const name in PAGE_HEADERS) res.setHeader(name, PAGE_HEADERS[name] as string);
        res.setHeader('X-Request-Id', ctx.requestId);
        serve(req, res, () => reject(new KeywardError('not_found')));
        res.once('finish', () => resolve({ written: true }));
        res.once('close', () => resolve({ written: true }));
      }),
  });
}
