/**
 * The README's commands on a bare machine: no DATABASE_URL, no REDIS_URL, only Node.
 * Real processes throughout: `npm start` (as node + tsx, so signals reach the server itself)
 * and `npm run admin -- create-user`, against one embedded PostgreSQL data directory.
 */
import type { ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../server/src/db/embedded-postgres.js';
import { describeOutput, type Exit, eventually, type Proc, ROOT, spawnProc } from '../helpers/processes.js';

const TIMEOUT = 180_000;
const READY_WITHIN_MS = 60_000;
const STOP_WITHIN_MS = 15_000;
const PASSWORD = 'long enough pw';

interface Server extends Proc {
  url: string;
}

const children = new Set<ChildProcess>();
let tempDir = '';
let dataDir = '';
let baseEnv: NodeJS.ProcessEnv = {};

/** node + tsx on a script of the repository, tracked so afterAll can end what is still running. */
function run(args: string[], env: NodeJS.ProcessEnv): Proc {
  const proc = spawnProc(process.execPath, ['--import', 'tsx', ...args], env);
  children.add(proc.child);
  void proc.exited.then(() => children.delete(proc.child));
  return proc;
}

/** `npm start`, then polls /readyz until it answers 200. */
async function startServer(): Promise<Server> {
  const port = await freePort();
  const proc = run(['server/src/main.ts'], { ...baseEnv, PORT: String(port) });
  const url = `http://127.0.0.1:${port}`;
  let exit: Exit | null = null;
  void proc.exited.then((value) => {
    exit = value;
  });
  const deadline = Date.now() + READY_WITHIN_MS;
  while (Date.now() < deadline) {
    if (exit) throw new Error(`server exited early (${JSON.stringify(exit)})\n${describeOutput(proc)}`);
    try {
      const response = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(2000) });
      await response.body?.cancel();
      if (response.status === 200) return { ...proc, url };
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  proc.child.kill('SIGKILL');
  throw new Error(`server not ready within ${READY_WITHIN_MS} ms\n${describeOutput(proc)}`);
}

/** SIGTERM, then how the process ended and how long it took. */
async function stopServer(server: Proc): Promise<Exit & { ms: number }> {
  const started = Date.now();
  server.child.kill('SIGTERM');
  const exit = await Promise.race([
    server.exited,
    new Promise<null>((resolve) => setTimeout(() => resolve(null), STOP_WITHIN_MS + 5_000)),
  ]);
  if (!exit)
    throw new Error(`server ignored SIGTERM for ${STOP_WITHIN_MS + 5_000} ms\n${describeOutput(server)}`);
  return { ...exit, ms: Date.now() - started };
}

/** `npm run admin -- <args>` with the server's environment minus PORT. */
async function admin(...args: string[]) {
  const proc = run(['server/src/scripts/admin.ts', ...args], baseEnv);
  const exit = await proc.exited;
  return { ...exit, ...proc.output() };
}

function createUser(email: string, ...extra: string[]) {
  return admin('create-user', '--email', email, '--password', PASSWORD, ...extra);
}

async function gql(server: Server, query: string, headers: Record<string, string> = {}) {
  const response = await fetch(`${server.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query }),
  });
  return {
    status: response.status,
    headers: response.headers,
    body: (await response.json()) as Record<string, unknown>,
  };
}

async function login(server: Server, email: string) {
  return gql(
    server,
    `mutation { login(input: { email: ${JSON.stringify(email)}, password: ${JSON.stringify(PASSWORD)} }) { email plan role emailVerified } }`,
  );
}

/** Log lines at error level or above (pino JSON lines on stdout). */
function errorLines(proc: Proc): string[] {
  return proc
    .output()
    .stdout.split('\n')
    .filter((line) => line.startsWith('{') && ((JSON.parse(line) as { level?: number }).level ?? 0) >= 50);
}

function postmasterPid(): string {
  return path.join(dataDir, 'postgres', 'postmaster.pid');
}

describe('the README commands on a machine with only Node', () => {
  let server: Server | null = null;

  beforeAll(() => {
    expect(existsSync(path.join(ROOT, 'node_modules/.bin/tsx')), 'tsx is installed').toBe(true);
    tempDir = mkdtempSync(path.join(os.tmpdir(), 'keyward-readme-'));
    // Running as root, PostgreSQL runs as the `postgres` user and must be able to reach its data directory.
    chmodSync(tempDir, 0o755);
    dataDir = path.join(tempDir, 'data');
    baseEnv = { ...process.env, KEYWARD_DATA_DIR: dataDir, NODE_ENV: 'development', LOG_LEVEL: 'info' };
    delete baseEnv.DATABASE_URL;
    delete baseEnv.REDIS_URL;
    delete baseEnv.PORT;
  });

  afterAll(async () => {
    for (const child of children) child.kill('SIGTERM');
    const deadline = Date.now() + 10_000;
    while (children.size > 0 && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 100));
    for (const child of children) child.kill('SIGKILL');
    // A server killed outright leaves its PostgreSQL behind: stop that one too (fast shutdown).
    if (dataDir && existsSync(postmasterPid())) {
      const pid = Number(readFileSync(postmasterPid(), 'utf8').split('\n')[0]);
      try {
        if (pid > 0) process.kill(pid, 'SIGINT');
        const until = Date.now() + 10_000;
        while (existsSync(postmasterPid()) && Date.now() < until) {
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      } catch {
        // already gone
      }
    }
    if (tempDir) rmSync(tempDir, { recursive: true, force: true });
  }, 40_000);

  it('starts with `npm start`, initialising an embedded PostgreSQL, and becomes ready', {
    timeout: TIMEOUT,
  }, async () => {
    server = await startServer();
    expect(existsSync(path.join(dataDir, 'postgres', 'PG_VERSION'))).toBe(true);
    expect(existsSync(postmasterPid())).toBe(true);
  });

  it('answers /healthz and an anonymous GraphQL viewer query', async () => {
    if (!server) throw new Error('server did not start');
    const health = await fetch(`${server.url}/healthz`);
    await health.body?.cancel();
    expect(health.status).toBe(200);
    const viewer = await gql(server, '{ viewer { id } }');
    expect(viewer.status).toBe(200);
    expect(viewer.body).toEqual({ data: { viewer: null } });
  });

  it('prints its URL and how to create the first admin', async () => {
    if (!server) throw new Error('server did not start');
    const running = server;
    // The banner follows the last start-up step (the job queue), which may finish after the first answer.
    await eventually(() => running.output().stdout.includes('Create the first admin account'), 30_000);
    const { stdout } = running.output();
    const port = new URL(running.url).port;
    expect(stdout).toContain(`Keyward is running at http://localhost:${port}`);
    expect(stdout).toContain(`http://localhost:${port}/graphql`);
    expect(stdout).toContain(`embedded PostgreSQL (data in ${dataDir}/postgres)`);
    expect(stdout).toContain('npm run admin -- create-user --email');
  });

  it('creates an admin with `npm run admin -- create-user` while the server runs', {
    timeout: TIMEOUT,
  }, async () => {
    const result = await createUser('a@example.com', '--verified', '--plan', 'pro', '--admin');
    expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
    expect(result.stdout).toMatch(
      /^Created admin a@example\.com \(id [0-9a-f-]{36}, plan pro, verified\)\.$/m,
    );
  });

  it('logs the new admin in through GraphQL, matching the email case-insensitively', async () => {
    if (!server) throw new Error('server did not start');
    const response = await login(server, 'A@Example.com');
    expect(response.body).toEqual({
      data: { login: { email: 'a@example.com', plan: 'pro', role: 'admin', emailVerified: true } },
    });
    const cookie = response.headers
      .getSetCookie()
      .map((value) => value.split(';')[0] ?? '')
      .find((pair) => pair.startsWith('keyward_session='));
    expect(cookie).toBeDefined();
    const viewer = await gql(server, '{ viewer { email role } }', {
      cookie: cookie ?? '',
      'x-keyward-csrf': '1',
    });
    expect(viewer.body).toEqual({ data: { viewer: { email: 'a@example.com', role: 'admin' } } });
  });

  it('refuses a duplicate email with exit code 1 and a message', { timeout: TIMEOUT }, async () => {
    const result = await createUser('A@example.com');
    expect(result.code).toBe(1);
    expect(result.stdout).not.toContain('Created');
    expect(result.stderr.trim()).not.toBe('');
    expect(result.stderr).toMatch(/already|taken|exists/i);
  });

  it.each<[string, string[], RegExp]>([
    [
      'a missing --password',
      ['create-user', '--email', 'c@example.com'],
      /--email and --password are required/,
    ],
    ['an unknown command', ['delete-user', '--email', 'c@example.com'], /Unknown command "delete-user"/],
    [
      'an unknown option',
      ['create-user', '--email', 'c@example.com', '--password', PASSWORD, '--root'],
      /--root/,
    ],
    [
      'an unknown plan',
      ['create-user', '--email', 'c@example.com', '--password', PASSWORD, '--plan', 'gold'],
      /--plan must be one of free, pro, team/,
    ],
  ])('exits 2 with the usage on %s', { timeout: TIMEOUT }, async (_case, args, message) => {
    const result = await admin(...args);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    if (!/--plan/.test(String(message))) expect(result.stderr).toContain('Usage:');
  });

  it('stops on SIGTERM with exit code 0 and shuts its PostgreSQL down cleanly', {
    timeout: TIMEOUT,
  }, async () => {
    if (!server) throw new Error('server did not start');
    const exit = await stopServer(server);
    expect(exit, describeOutput(server)).toMatchObject({ code: 0, signal: null });
    expect(exit.ms).toBeLessThan(STOP_WITHIN_MS);
    expect(existsSync(postmasterPid())).toBe(false);
    // Orderly: HTTP, mail and the ORM close before PostgreSQL stops, so nothing fails on the way down.
    expect(errorLines(server)).toEqual([]);
    server = null;
  });

  it('creates a user while the server is stopped, starting and stopping PostgreSQL itself', {
    timeout: TIMEOUT,
  }, async () => {
    const result = await createUser('b@example.com', '--plan', 'team');
    expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
    expect(result.stdout).toMatch(
      /^Created member b@example\.com \(id [0-9a-f-]{36}, plan team, unverified\)\.$/m,
    );
    expect(existsSync(postmasterPid())).toBe(false);
  });

  it('starts again on the same data directory and keeps every account', { timeout: TIMEOUT }, async () => {
    server = await startServer();
    const admin = await login(server, 'a@example.com');
    expect(admin.body).toEqual({
      data: { login: { email: 'a@example.com', plan: 'pro', role: 'admin', emailVerified: true } },
    });
    const member = await login(server, 'B@EXAMPLE.COM');
    expect(member.body).toEqual({
      data: { login: { email: 'b@example.com', plan: 'team', role: 'member', emailVerified: false } },
    });
    const exit = await stopServer(server);
    expect(exit, describeOutput(server)).toMatchObject({ code: 0, signal: null });
    expect(exit.ms).toBeLessThan(STOP_WITHIN_MS);
    expect(existsSync(postmasterPid())).toBe(false);
    // Orderly: HTTP, mail and the ORM close before PostgreSQL stops, so nothing fails on the way down.
    expect(errorLines(server)).toEqual([]);
    server = null;
  });
});
