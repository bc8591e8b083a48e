/**
 * Real server processes for fault tests: `npm start` (or node + tsx) on an embedded PostgreSQL
 * data directory, the admin command, and SQL on that cluster while (or after) it runs.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';

export const ROOT = path.resolve(import.meta.dirname, '../..');

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface Proc {
  child: ChildProcess;
  output(): { stdout: string; stderr: string };
  exited: Promise<Exit>;
  /** The exit, once it happened. */
  exit(): Exit | null;
}

/** Spawns `command` in ROOT, capturing its output; `detached` gives it its own process group. */
export function spawnProc(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  options: { detached?: boolean } = {},
): Proc {
  const child = spawn(command, args, {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: options.detached ?? false,
  });
  let stdout = '';
  let stderr = '';
  let exit: Exit | null = null;
  child.stdout?.on('data', (chunk) => {
    stdout += String(chunk);
  });
  child.stderr?.on('data', (chunk) => {
    stderr += String(chunk);
  });
  const exited = new Promise<Exit>((resolve) => {
    child.on('close', (code, signal) => {
      exit = { code, signal };
      resolve(exit);
    });
  });
  return { child, output: () => ({ stdout, stderr }), exited, exit: () => exit };
}

export function describeOutput(proc: Proc): string {
  const { stdout, stderr } = proc.output();
  return `--- stdout ---\n${stdout.slice(-3000)}\n--- stderr ---\n${stderr.slice(-3000)}`;
}

/** Polls `url`/readyz until 200; throws with the output if the process exits or time runs out. */
export async function waitReady(proc: Proc, url: string, withinMs = 60_000): Promise<void> {
  const deadline = Date.now() + withinMs;
  while (Date.now() < deadline) {
    if (proc.exit())
      throw new Error(`server exited early (${JSON.stringify(proc.exit())})\n${describeOutput(proc)}`);
    try {
      const response = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(2000) });
      await response.body?.cancel();
      if (response.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`server not ready within ${withinMs} ms\n${describeOutput(proc)}`);
}

/** Resolves with the exit, or null if the process is still running after `ms`. */
export function exitWithin(proc: Proc, ms: number): Promise<Exit | null> {
  return Promise.race([proc.exited, new Promise<null>((resolve) => setTimeout(() => resolve(null), ms))]);
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The running postmaster of a data directory: pid and port from postmaster.pid, or null. */
export function postmaster(dataDir: string): { pid: number; port: number } | null {
  const file = path.join(dataDir, 'postgres', 'postmaster.pid');
  if (!existsSync(file)) return null;
  const [pid, , , port] = readFileSync(file, 'utf8').split('\n');
  return { pid: Number(pid), port: Number(port) };
}

/** Waits until `check` holds, polling every 50 ms; false if it never did within `ms`. */
export async function eventually(check: () => boolean | Promise<boolean>, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** True when nothing accepts connections at `url` any more. */
export async function refusesConnections(url: string): Promise<boolean> {
  try {
    const response = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(1000) });
    await response.body?.cancel();
    return false;
  } catch {
    return true;
  }
}

/** Runs one query on the `keyward` database of a running embedded cluster. */
export async function clusterSql<R extends pg.QueryResultRow>(
  dataDir: string,
  text: string,
  params: unknown[] = [],
): Promise<R[]> {
  const running = postmaster(dataDir);
  if (!running) throw new Error('no running cluster');
  const password = readFileSync(path.join(dataDir, 'postgres-password'), 'utf8').trim();
  const client = new pg.Client({
    host: '127.0.0.1',
    port: running.port,
    user: 'postgres',
    password,
    database: 'keyward',
  });
  await client.connect();
  try {
    return (await client.query<R>(text, params)).rows;
  } finally {
    await client.end();
  }
}

/** Logs in through GraphQL and creates a token; returns its id and secret. */
export async function loginAndCreateToken(
  url: string,
  email: string,
  password: string,
): Promise<{ id: string; secret: string }> {
  const login = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      query: 'mutation($input: LoginInput!) { login(input: $input) { id } }',
      variables: { input: { email, password } },
    }),
  });
  const cookie = login.headers
    .getSetCookie()
    .map((value) => value.split(';')[0] ?? '')
    .find((pair) => pair.includes('keyward_session='));
  if (!cookie) throw new Error(`login failed: ${await login.text()}`);
  const created = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie, 'x-keyward-csrf': '1' },
    body: JSON.stringify({
      query: 'mutation($input: CreateTokenInput!) { createToken(input: $input) { token { id } secret } }',
      variables: { input: { name: 'fault test', preset: 'ALL', rateLimitPerMinute: 10_000 } },
    }),
  });
  const body = (await created.json()) as {
    data?: { createToken?: { token: { id: string }; secret: string } };
  };
  const token = body.data?.createToken;
  if (!token) throw new Error(`createToken failed: ${JSON.stringify(body)}`);
  return { id: token.token.id, secret: token.secret };
}
