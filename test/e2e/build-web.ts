import path from 'node:path';
import { build } from 'vite';
import { webDistDir } from '../../server/src/edge/web-app.js';

/**
 * Builds the admin app into web/dist before any browser test, so the tests exercise the
 * production bundle the server really serves (not the Vite dev server). The server only mounts
 * web/dist when index.html exists at boot, so this has to run before startTestServer().
 */
export default async function buildWeb(): Promise<void> {
  const webRoot = path.dirname(webDistDir);
  await build({ root: webRoot, configFile: path.join(webRoot, 'vite.config.ts'), logLevel: 'warn' });
}
