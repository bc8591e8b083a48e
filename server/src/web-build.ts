import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { webDistDir } from './edge/web-app.js';
import type { Logger } from './logger.js';

const webRoot = path.dirname(webDistDir);

function newestMtime(target: string): number {
  const stat = statSync(target);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return readdirSync(target).reduce(
    (newest, entry) => Math.max(newest, newestMtime(path.join(target, entry))),
    0,
  );
}

/** True when web/dist is missing or older than any source of the web app. */
export function webBuildIsStale(): boolean {
  const built = path.join(webDistDir, 'index.html');
  if (!existsSync(built)) return true;
  const sources = ['src', 'public', 'index.html', 'vite.config.ts']
    .map((entry) => path.join(webRoot, entry))
    .filter((entry) => existsSync(entry));
  return sources.some((source) => newestMtime(source) > statSync(built).mtimeMs);
}

/** Builds the admin app with Vite when it is missing or stale, so `npm start` needs no extra step. */
export async function ensureWebBuild(logger: Logger): Promise<void> {
  if (!webBuildIsStale()) return;
  logger.info('building the admin web app (web/dist is missing or stale)');
  const { build } = await import('vite');
  await build({ root: webRoot, configFile: path.join(webRoot, 'vite.config.ts'), logLevel: 'warn' });
}
