/**
 * Stopping a real `npm start` (embedded PostgreSQL) by signal loses nothing: every answered token
 * request's usage count and last-used time is written, and so is each permission it exercised
 * (components:read on /api/cli/button), and the server and its database both stop. The usage
 * flush interval is far beyond the test, so only the shutdown flush can write usage.
 */
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../server/src/db/embedded-postgres.js';
import {
  clusterSql,
  describeOutput,
  eventually,
  exitWithin,
  isAlive,
  loginAndCreateToken,
  type Proc,
  postmaster,
  refusesConnections,
  spawnProc,
  waitReady,
} from '../helpers/processes.js';

const TIMEOUT = 60_000;
const STOPPED_WITHIN_MS = 15_000;
const EMAIL = 'faults@example.com';
const PASSWORD = 'long enough password';

let tempDir = '';
let dataDir = '';
let env: NodeJS.ProcessEnv = {};
const procs: Proc[] = [];
let token: { id: string; secret: string } | null = null;
/** Token requests answered 200 so far, over every server run. */
let answered = 0;
/** Requests in flight when a server stopped: counted once admitted, even if their answer never arrived. */
let inFlightAtStop = 0;
/** Of those, the ones that exercised components:read (the others are whoami, which needs no permission). */
let exercised = 0;

interface Running {
  proc: Proc;
  url: string;
}

/** `npm start` (or node + tsx when `direct`), ready, with the usage so far verified in the database. */
async function start(options: { detached?: boolean; direct?: boolean } = {}): Promise<Running> {
  const port = await freePort();
  const runEnv = { ...env, PORT: String(port) };
  const proc = options.direct
    ? spawnProc(process.execPath, ['--import', 'tsx', 'server/src/main.ts'], runEnv)
    : spawnProc('npm', ['start', '--silent'], runEnv, { detached: options.detached ?? false });
  procs.push(proc);
  const url = `http://127.0.0.1:${port}`;
  await waitReady(proc, url);
  token ??= await loginAndCreateToken(url, EMAIL, PASSWORD);
  const [usage] = await clusterSql<{ n: number; last: Date | null }>(
    dataDir,
    `select coalesce(sum(d.count), 0)::int as n, max(t.last_used_at) as last
     from api_token t left join token_usage_day d on d.token_id = t.id where t.id = $1`,
    [token.id],
  );
  // Nothing answered is lost; a request admitted but cut off by the stop may count too.
  expect(usage?.n, 'usage counted before the last stop').toBeGreaterThanOrEqual(answered);
  expect(usage?.n, 'usage counted before the last stop').toBeLessThanOrEqual(answered + inFlightAtStop);
  if (answered > 0) expect(usage?.last).toBeInstanceOf(Date);
  const [permission] = await clusterSql<{ n: number }>(
    dataDir,
    `select coalesce(sum(count), 0)::int as n from token_permission_use where token_id = $1 and permission = 'components:read'`,
    [token.id],
  );
  expect(permission?.n, 'permission use counted before the last stop').toBeGreaterThanOrEqual(exercised);
  expect(permission?.n, 'permission use counted before the last stop').toBeLessThanOrEqual(
    exercised + inFlightAtStop,
  );
  return { proc, url };
}

/**
 * Sends token requests from `lanes` parallel loops until the server stops answering, every other
 * one to a route that exercises components:read; counts the 200s (and those of that route).
 */
async function load(url: string, lanes: number): Promise<() => Promise<number>> {
  let stopped = false;
  let ok = 0;
  const lane = async (index: number) => {
    for (let i = index; !stopped; i++) {
      const path = i % 2 === 0 ? '/api/cli/whoami' : '/api/cli/button';
      try {
        const response = await fetch(`${url}${path}`, {
          headers: { authorization: `Bearer ${token!.secret}` },
          signal: AbortSignal.timeout(5000),
        });
        await response.body?.cancel();
        if (response.status === 200) {
          ok++;
          if (path === '/api/cli/button') exercised++;
        } else if (response.status !== 503) expect.fail(`unexpected ${response.status}`);
      } catch {
        return;
      }
    }
  };
  const running = Array.from({ length: lanes }, (_, index) => lane(index));
  return async () => {
    await Promise.race([Promise.all(running), new Promise((resolve) => setTimeout(resolve, 20_000))]);
    stopped = true;
    return ok;
  };
}

/** Asserts the server and its PostgreSQL are gone within the bound. */
async function expectAllStopped(running: Running, postgresPid: number): Promise<void> {
  const exit = await exitWithin(running.proc, STOPPED_WITHIN_MS);
  expect(exit, `the process did not exit\n${describeOutput(running.proc)}`).not.toBeNull();
  expect(await eventually(() => refusesConnections(running.url), 5000), 'the server still answers').toBe(
    true,
  );
  expect(await eventually(() => !isAlive(postgresPid), 5000), 'PostgreSQL still runs').toBe(true);
  expect(postmaster(dataDir)).toBeNull();
}

beforeAll(async () => {
  tempDir = mkdtempSync(path.join(os.tmpdir(), 'keyward-signals-'));
  // As root, PostgreSQL runs as the `postgres` user, which must reach its data directory.
  chmodSync(tempDir, 0o755);
  dataDir = path.join(tempDir, 'data');
  env = {
    ...process.env,
    KEYWARD_DATA_DIR: dataDir,
    KEYWARD_SKIP_WEB_BUILD: '1',
    KEYWARD_USAGE_FLUSH_MS: '600000',
    NODE_ENV: 'development',
    LOG_LEVEL: 'info',
  };
  delete env.DATABASE_URL;
  delete env.REDIS_URL;
  delete env.PORT;
  const admin = spawnProc(
    process.execPath,
    [
      '--import',
      'tsx',
      'server/src/scripts/admin.ts',
      'create-user',
      '--email',
      EMAIL,
      '--password',
      PASSWORD,
      '--verified',
      '--plan',
      'team',
    ],
    env,
  );
  const exit = await admin.exited;
  expect(exit.code, describeOutput(admin)).toBe(0);
}, TIMEOUT);

afterAll(async () => {
  for (const proc of procs) if (!proc.exit()) proc.child.kill('SIGKILL');
  const running = dataDir ? postmaster(dataDir) : null;
  if (running && isAlive(running.pid)) {
    process.kill(running.pid, 'SIGINT');
    await eventually(() => !isAlive(running.pid), 10_000);
  }
  if (tempDir) rmSync(tempDir, { recursive: true, force: true });
}, 30_000);

describe('signals stop the server and its embedded PostgreSQL without losing usage', () => {
  it('kill -TERM on the npm start process during token requests', { timeout: TIMEOUT }, async () => {
    const running = await start();
    const postgresPid = postmaster(dataDir)!.pid;
    const finished = await load(running.url, 4);
    await new Promise((resolve) => setTimeout(resolve, 500));
    running.proc.child.kill('SIGTERM');
    answered += await finished();
    inFlightAtStop += 4;
    await expectAllStopped(running, postgresPid);
    expect(answered).toBeGreaterThan(0);
    expect(exercised).toBeGreaterThan(0);
  });

  it('Ctrl-C (SIGINT to the whole process group) 2 s after 50 requests', { timeout: TIMEOUT }, async () => {
    const running = await start({ detached: true });
    const postgresPid = postmaster(dataDir)!.pid;
    const answers = await Promise.all(
      Array.from({ length: 50 }, () =>
        fetch(`${running.url}/api/cli/whoami`, { headers: { authorization: `Bearer ${token!.secret}` } }),
      ),
    );
    expect(answers.map((answer) => answer.status)).toEqual(Array(50).fill(200));
    answered += 50;
    await new Promise((resolve) => setTimeout(resolve, 2000));
    process.kill(-running.proc.child.pid!, 'SIGINT');
    await expectAllStopped(running, postgresPid);
  });

  it('SIGHUP to the server process', { timeout: TIMEOUT }, async () => {
    const running = await start({ direct: true });
    const postgresPid = postmaster(dataDir)!.pid;
    for (let i = 0; i < 5; i++) {
      const response = await fetch(`${running.url}/api/cli/whoami`, {
        headers: { authorization: `Bearer ${token!.secret}` },
      });
      expect(response.status).toBe(200);
      answered++;
    }
    running.proc.child.kill('SIGHUP');
    await expectAllStopped(running, postgresPid);
  });

  it('starts again with every answered request counted, then stops cleanly', {
    timeout: TIMEOUT,
  }, async () => {
    const running = await start({ direct: true });
    const postgresPid = postmaster(dataDir)!.pid;
    running.proc.child.kill('SIGTERM');
    await expectAllStopped(running, postgresPid);
    expect(running.proc.exit()).toEqual({ code: 0, signal: null });
  });
});
