/**
 * Start-up failures an operator can fix print one line naming the fix (no stack trace), exit 1,
 * and leave no embedded PostgreSQL running.
 */
import { chmodSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../server/src/db/embedded-postgres.js';
import { describeOutput, exitWithin, postmaster, spawnProc } from '../helpers/processes.js';

const TIMEOUT = 60_000;

let tempDir = '';
let env: NodeJS.ProcessEnv = {};

beforeAll(() => {
  tempDir = mkdtempSync(path.join(os.tmpdir(), 'keyward-startup-'));
  chmodSync(tempDir, 0o755);
  env = { ...process.env, KEYWARD_SKIP_WEB_BUILD: '1', NODE_ENV: 'development', LOG_LEVEL: 'info' };
  delete env.DATABASE_URL;
  delete env.REDIS_URL;
});
afterAll(() => {
  if (tempDir) rmSync(tempDir, { recursive: true, force: true });
});

/** Runs the server until it exits (at most TIMEOUT); returns its exit code and stderr lines. */
async function runServer(
  extra: NodeJS.ProcessEnv,
): Promise<{ code: number | null; lines: string[]; all: string }> {
  const proc = spawnProc(process.execPath, ['--import', 'tsx', 'server/src/main.ts'], { ...env, ...extra });
  const exit = await exitWithin(proc, TIMEOUT - 10_000);
  if (!exit) {
    proc.child.kill('SIGTERM');
    await proc.exited;
    throw new Error(`the server did not exit\n${describeOutput(proc)}`);
  }
  const { stdout, stderr } = proc.output();
  const lines = stderr.split('\n').filter((line) => line.trim() !== '');
  return { code: exit.code, lines, all: `${stdout}\n${stderr}` };
}

describe('start-up failures print one line naming the fix', () => {
  it('a port already in use', { timeout: TIMEOUT }, async () => {
    const port = await freePort();
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(port, '0.0.0.0', () => resolve()));
    const dataDir = path.join(tempDir, 'port');
    try {
      const result = await runServer({ PORT: String(port), KEYWARD_DATA_DIR: dataDir });
      expect(result.code, result.all).toBe(1);
      expect(result.lines, result.all).toHaveLength(1);
      expect(result.lines[0]).toMatch(new RegExp(`Port ${port} is already in use.*PORT=`));
      expect(result.all).not.toMatch(/^\s+at /m);
    } finally {
      blocker.close();
    }
    // The embedded database it had started is stopped again.
    expect(postmaster(dataDir)).toBeNull();
  });

  it.skipIf(process.getuid?.() !== 0)(
    'as root, a data directory the OS user postgres cannot reach',
    { timeout: TIMEOUT },
    async () => {
      const privateDir = path.join(tempDir, 'private');
      mkdirSync(privateDir, { mode: 0o700 });
      chmodSync(privateDir, 0o700);
      const dataDir = path.join(privateDir, 'data');
      const result = await runServer({ PORT: String(await freePort()), KEYWARD_DATA_DIR: dataDir });
      expect(result.code, result.all).toBe(1);
      expect(result.lines, result.all).toHaveLength(1);
      expect(result.lines[0]).toMatch(/OS user "postgres".*cannot reach.*KEYWARD_DATA_DIR/);
      expect(result.all).not.toMatch(/^\s+at /m);
      expect(postmaster(dataDir)).toBeNull();
    },
  );
});
