/**
 * `npm run bench`: Keyward's token-verification path against a bare node:http server and stock
 * graphql-yoga, in one run, on one machine.
 *
 * Every server runs in its own child process (`node --import tsx`), so none shares an event loop
 * with the load generator (autocannon, in this process). Cases run in interleaved rounds
 * (reference, then Keyward, for each case, round after round); the first round warms up and is
 * discarded, and each reported figure is the median over the measured rounds. Raw results go to
 * bench/results/<timestamp>.json.
 *
 * Environment: DATABASE_URL (else embedded PostgreSQL in a temp dir), BENCH_ROUNDS (default 6,
 * first discarded), BENCH_SECONDS (default 3 per run), BENCH_CONNECTIONS (32), BENCH_ONLY (comma-
 * separated case names), BENCH_PROFILE=1 or all (CPU profiles of the Keyward child, or of every
 * server, into bench/results/profiles/<server>/; the JSON's run windows cut them to the runs),
 * BENCH_REDIS_URL (run the Keyward child with REDIS_URL: shared rate limits and pub/sub).
 */
import { type ChildProcess, execFileSync, fork } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon, { type AutocannonRequest, type Result } from 'autocannon';
import pg from 'pg';
import { type EmbeddedDatabase, startEmbeddedPostgres } from '../server/src/db/embedded-postgres.js';
import { initOrm } from '../server/src/db/orm.js';
import {
  displayPrefixOf,
  generateTokenSecret,
  hashTokenSecret,
  isWellFormedTokenSecret,
} from '../server/src/tokens/token-secret.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');
const resultsDir = path.join(here, 'results');

const ROUNDS = positive('BENCH_ROUNDS', 6);
const SECONDS = positive('BENCH_SECONDS', 3);
const CONNECTIONS = positive('BENCH_CONNECTIONS', 32);
const ONLY =
  process.env.BENCH_ONLY?.split(',')
    .map((name) => name.trim())
    .filter(Boolean) ?? null;
const PROFILE = process.env.BENCH_PROFILE ?? '';
/** node flags writing a CPU profile of child `name` (BENCH_PROFILE=1 or keyward: Keyward only; all: every server). */
const profileFlags = (name: string): string[] =>
  PROFILE === 'all' || ((PROFILE === '1' || PROFILE === 'keyward') && name === 'keyward')
    ? ['--cpu-prof', `--cpu-prof-dir=${path.join(resultsDir, 'profiles', name)}`]
    : [];
const TOKEN_RATE = 1_000_000;
const DISTINCT_TOKENS = 1000;
const PREFIX = 'kw';

function positive(name: string, fallback: number): number {
  const raw = process.env[name];
  if (!raw) return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < 1) throw new Error(`${name} must be a positive integer.`);
  return value;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// ---------------------------------------------------------------------------------------------
// Database: embedded PostgreSQL in a temp dir, or a fresh database on DATABASE_URL's server.

interface BenchDatabase {
  url: string;
  description: string;
  drop(): Promise<void>;
}

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

async function openDatabase(): Promise<BenchDatabase> {
  const name = `keyward_bench_${randomBytes(4).toString('hex')}`;
  if (process.env.DATABASE_URL) {
    const adminUrl = withDatabase(process.env.DATABASE_URL, 'postgres');
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    return {
      url: withDatabase(adminUrl, name),
      description: `PostgreSQL from DATABASE_URL (fresh database ${name})`,
      drop: async () => {
        const client = new pg.Client({ connectionString: adminUrl });
        await client.connect();
        await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        await client.end();
      },
    };
  }
  const dataDir = path.join(os.tmpdir(), `keyward-bench-${randomBytes(4).toString('hex')}`);
  let embedded: EmbeddedDatabase | null = null;
  try {
    embedded = await startEmbeddedPostgres({ dataDir, database: name, persistent: false });
  } catch (error) {
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
  const running = embedded;
  return {
    url: running.url,
    description: 'embedded PostgreSQL 18 (embedded-postgres, temp dir, default settings)',
    drop: async () => {
      await running.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Seed: accounts and tokens straight into the tables (the bench measures verification, not creation).

interface Seed {
  hot: string;
  revoked: string;
  many: string[];
  /** A token with a 5-entry allow-list (the load generator's address among them) and credits. */
  restricted: string;
}

/** Credits enough for every run of the restricted case (PostgreSQL's integer). */
const BENCH_CREDITS = 2_000_000_000;
const ALLOW_LIST = ['203.0.113.0/24', '198.51.100.0/24', '2001:db8::/32', '10.0.0.0/8', '127.0.0.1'];

async function seed(db: pg.Client): Promise<Seed> {
  const accounts: { id: string; email: string }[] = [];
  const tokens: { id: string; accountId: string; secret: string; revoked: boolean }[] = [];
  const hotAccount = { id: randomUUID(), email: 'bench-hot@example.com' };
  accounts.push(hotAccount);
  const hot = generateTokenSecret(PREFIX);
  const revoked = generateTokenSecret(PREFIX);
  const restricted = generateTokenSecret(PREFIX);
  const restrictedId = randomUUID();
  tokens.push({ id: randomUUID(), accountId: hotAccount.id, secret: hot, revoked: false });
  tokens.push({ id: restrictedId, accountId: hotAccount.id, secret: restricted, revoked: false });
  tokens.push({ id: randomUUID(), accountId: hotAccount.id, secret: revoked, revoked: true });
  // 1,000 tokens over 50 accounts: the per-account cap of 20, as in a real deployment.
  const many: string[] = [];
  for (let a = 0; a < DISTINCT_TOKENS / 20; a++) {
    const account = { id: randomUUID(), email: `bench-${a}@example.com` };
    accounts.push(account);
    for (let t = 0; t < 20; t++) {
      const secret = generateTokenSecret(PREFIX);
      many.push(secret);
      tokens.push({ id: randomUUID(), accountId: account.id, secret, revoked: false });
    }
  }
  await db.query(
    `insert into account (id, email, name, password_hash, email_verified, plan, role)
     select id, email, 'Bench', 'not-a-hash', true, 'team', 'member'
     from unnest($1::uuid[], $2::text[]) as a(id, email)`,
    [accounts.map((a) => a.id), accounts.map((a) => a.email)],
  );
  await db.query(
    `insert into api_token (id, account_id, name, secret_hash, display_prefix, preset, rate_limit_per_minute, revoked_at)
     select id, account_id, 'bench', secret_hash, display_prefix, 'ALL', $6, case when revoked then now() end
     from unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::bool[])
       as t(id, account_id, secret_hash, display_prefix, revoked)`,
    [
      tokens.map((t) => t.id),
      tokens.map((t) => t.accountId),
      tokens.map((t) => hashTokenSecret(t.secret)),
      tokens.map((t) => displayPrefixOf(t.secret)),
      tokens.map((t) => t.revoked),
      TOKEN_RATE,
    ],
  );
  await db.query('update api_token set allowed_cidrs = $2, usage_limit = $3 where id = $1', [
    restrictedId,
    ALLOW_LIST,
    BENCH_CREDITS,
  ]);
  await db.query('insert into token_credit (token_id, remaining) values ($1, $2)', [
    restrictedId,
    BENCH_CREDITS,
  ]);
  return { hot, revoked, many, restricted };
}

// ---------------------------------------------------------------------------------------------
// Child processes.

interface Child {
  name: string;
  url: string;
  process: ChildProcess;
}

function startChild(name: string, script: string, env: NodeJS.ProcessEnv, execArgv: string[] = []) {
  return new Promise<Child>((resolve, reject) => {
    const child = fork(path.join(here, 'servers', script), [], {
      execArgv: ['--import', 'tsx', ...execArgv],
      env,
      cwd: root,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const timer = setTimeout(() => reject(new Error(`${name} did not start within 60 s`)), 60_000);
    child.once('exit', (code) => reject(new Error(`${name} exited early with code ${code}`)));
    const onMessage = (message: { type?: string; port?: number }) => {
      if (message.type !== 'ready') return;
      clearTimeout(timer);
      child.removeAllListeners('exit');
      child.off('message', onMessage);
      resolve({ name, url: `http://127.0.0.1:${message.port}`, process: child });
    };
    child.on('message', onMessage);
  });
}

interface Probe {
  /** CPU time so far (user + system), microseconds. */
  cpu: number;
  /** The child's own counters (Keyward: database statements sent). */
  counters: Record<string, number>;
}

function probe(child: Child): Promise<Probe> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${child.name} did not answer a probe`)), 10_000);
    const onMessage = (message: {
      type?: string;
      usage?: NodeJS.CpuUsage;
      counters?: Record<string, number>;
    }) => {
      if (message.type !== 'cpu' || !message.usage) return;
      clearTimeout(timer);
      child.process.off('message', onMessage);
      resolve({ cpu: message.usage.user + message.usage.system, counters: message.counters ?? {} });
    };
    child.process.on('message', onMessage);
    child.process.send({ type: 'cpu' });
  });
}

function stopChild(child: Child): Promise<void> {
  return new Promise((resolve) => {
    if (child.process.exitCode !== null) return resolve();
    const timer = setTimeout(() => child.process.kill('SIGKILL'), 15_000);
    child.process.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.process.kill('SIGTERM');
  });
}

// ---------------------------------------------------------------------------------------------
// Cases. Each case sends the SAME requests (same generator, same headers) to its reference and
// to Keyward, so the load generator's own cost is identical on both sides of the ratio.

interface BenchCase {
  name: string;
  description: string;
  reference: 'bare' | 'yoga';
  expectedStatus: number;
  target: { ratio: number; zeroStatements?: boolean };
  options(): {
    method: string;
    path: string;
    headers?: Record<string, string>;
    body?: string;
    requests?: AutocannonRequest[];
  };
}

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** A token-shaped string with the right length and alphabet but (almost surely) a wrong checksum. */
function malformedToken(): string {
  const bytes = randomBytes(36);
  let out = `${PREFIX}_`;
  for (const byte of bytes) out += BASE62.charAt(byte % 62);
  return out;
}

function buildCases(seeded: Seed): BenchCase[] {
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
  const perRequest = (method: string, urlPath: string, next: () => string): AutocannonRequest[] => [
    {
      method,
      path: urlPath,
      setupRequest: (request) => ({ ...request, headers: bearer(next()) }),
    },
  ];
  let cursor = 0;
  return [
    {
      name: 'whoami-hot',
      description: 'GET /api/cli/whoami, one hot token',
      reference: 'bare',
      expectedStatus: 200,
      target: { ratio: 0.6 },
      options: () => ({ method: 'GET', path: '/api/cli/whoami', headers: bearer(seeded.hot) }),
    },
    {
      name: 'whoami-1000',
      description: `GET /api/cli/whoami, ${DISTINCT_TOKENS} tokens round-robin`,
      reference: 'bare',
      expectedStatus: 200,
      target: { ratio: 0.6 },
      options: () => ({
        method: 'GET',
        path: '/api/cli/whoami',
        requests: perRequest('GET', '/api/cli/whoami', () => seeded.many[cursor++ % seeded.many.length]!),
      }),
    },
    {
      name: 'whoami-restricted',
      description: 'whoami, one hot token with a 5-entry allow-list and credits',
      reference: 'bare',
      expectedStatus: 200,
      // Within 10% of whoami-hot in the same run (see the line printed under the table).
      target: { ratio: 0.54 },
      options: () => ({ method: 'GET', path: '/api/cli/whoami', headers: bearer(seeded.restricted) }),
    },
    {
      name: 'graphql-viewer',
      description: 'POST /graphql { viewer { id } }, bearer token',
      reference: 'yoga',
      expectedStatus: 200,
      target: { ratio: 1.5 },
      options: () => ({
        method: 'POST',
        path: '/graphql',
        headers: { ...bearer(seeded.hot), 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ viewer { id } }' }),
      }),
    },
    {
      name: 'unknown-flood',
      description: 'whoami, a new random well-formed unknown token per request',
      reference: 'bare',
      expectedStatus: 401,
      target: { ratio: 0.5 },
      options: () => ({
        method: 'GET',
        path: '/api/cli/whoami',
        requests: perRequest('GET', '/api/cli/whoami', () => generateTokenSecret(PREFIX)),
      }),
    },
    {
      name: 'malformed-flood',
      description: 'whoami, a new random malformed token per request',
      reference: 'bare',
      expectedStatus: 401,
      target: { ratio: 0.8, zeroStatements: true },
      options: () => ({
        method: 'GET',
        path: '/api/cli/whoami',
        requests: perRequest('GET', '/api/cli/whoami', malformedToken),
      }),
    },
    {
      name: 'revoked',
      description: 'whoami, one revoked token',
      reference: 'bare',
      expectedStatus: 401,
      target: { ratio: 0.6 },
      options: () => ({ method: 'GET', path: '/api/cli/whoami', headers: bearer(seeded.revoked) }),
    },
  ];
}

// ---------------------------------------------------------------------------------------------
// Measurement.

interface RunResult {
  requests: number;
  seconds: number;
  rps: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  errors: number;
  timeouts: number;
  statuses: Record<string, number>;
  /** Server CPU time (user + system) per completed request, in microseconds. */
  cpuMicrosPerRequest: number;
  /** Monotonic clock (µs, as in V8 CPU profiles) at start and end, to cut profiles to the runs. */
  window: [number, number];
  /** The server's counters just before the run. */
  countersAtStart: Record<string, number>;
}

const monotonicMicros = () => Number(process.hrtime.bigint() / 1000n);

async function measure(server: Child, benchCase: BenchCase): Promise<RunResult> {
  const { requests, ...rest } = benchCase.options();
  const before = await probe(server);
  const started = monotonicMicros();
  const result: Result = await autocannon({
    url: `${server.url}${rest.path}`,
    connections: CONNECTIONS,
    duration: SECONDS,
    timeout: 10,
    method: rest.method,
    ...(rest.headers ? { headers: rest.headers } : {}),
    ...(rest.body ? { body: rest.body } : {}),
    ...(requests ? { requests } : {}),
  });
  const window: [number, number] = [started, monotonicMicros()];
  const cpu = (await probe(server)).cpu - before.cpu;
  const statuses: Record<string, number> = {};
  for (const [code, { count }] of Object.entries(result.statusCodeStats)) statuses[code] = Number(count);
  const completed = Object.values(statuses).reduce((sum, n) => sum + n, 0);
  return {
    requests: completed,
    seconds: result.duration,
    rps: completed / result.duration,
    p50: result.latency.p50,
    p90: result.latency.p90,
    p99: result.latency.p99,
    max: result.latency.max,
    errors: result.errors,
    timeouts: result.timeouts,
    statuses,
    cpuMicrosPerRequest: completed ? cpu / completed : Number.NaN,
    window,
    countersAtStart: before.counters,
  };
}

/** Transactions (commits + rollbacks) of the bench database so far: every statement outside an explicit transaction is one. */
async function transactions(db: pg.Client): Promise<number> {
  const { rows } = await db.query<{ n: string }>(
    'select sum(xact_commit + xact_rollback)::bigint as n from pg_stat_database where datname = current_database()',
  );
  return Number(rows[0]?.n ?? 0);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  if (sorted.length === 0) return Number.NaN;
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

async function sanityCheck(url: string, benchCase: BenchCase): Promise<void> {
  const options = benchCase.options();
  const first = options.requests?.[0];
  const headers = first?.setupRequest ? first.setupRequest({ ...first }, {}).headers : options.headers;
  const response = await fetch(`${url}${options.path}`, {
    method: options.method,
    ...(headers ? { headers } : {}),
    ...(options.body ? { body: options.body } : {}),
  });
  const body = await response.text();
  if (response.status !== benchCase.expectedStatus) {
    throw new Error(
      `${benchCase.name}: expected ${benchCase.expectedStatus}, got ${response.status}: ${body.slice(0, 300)}`,
    );
  }
}

function machine() {
  const cpuinfo = (() => {
    try {
      return readFileSync('/proc/cpuinfo', 'utf8');
    } catch {
      return '';
    }
  })();
  const model = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1] ?? os.cpus()[0]?.model ?? 'unknown';
  let commit: string | null = null;
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim();
  } catch {}
  return {
    nproc: os.availableParallelism(),
    cpu: model,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    platform: `${os.type()} ${os.release()}`,
    date: new Date().toISOString(),
    commit,
  };
}

const fmt = (n: number, digits = 0) =>
  Number.isFinite(n)
    ? n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })
    : '-';

async function main() {
  const info = machine();
  console.log(
    `Keyward benchmark: ${info.nproc} CPUs (${info.cpu}), Node ${info.node}; ` +
      `${ROUNDS} rounds × ${SECONDS} s per run (first round discarded), ${CONNECTIONS} connections`,
  );
  const database = await openDatabase();
  const children: Child[] = [];
  let db: pg.Client | null = null;
  try {
    console.log(`Database: ${database.description}; migrating and seeding…`);
    const orm = await initOrm(database.url);
    await orm.close();
    db = new pg.Client({ connectionString: database.url });
    await db.connect();
    const seeded = await seed(db);
    if (!isWellFormedTokenSecret(seeded.hot, PREFIX)) throw new Error('seeded token is malformed');

    const baseEnv = { ...process.env };
    delete baseEnv.DATABASE_URL;
    delete baseEnv.REDIS_URL;
    const [bare, yoga, keyward] = await Promise.all([
      startChild('bare', 'bare.ts', { ...baseEnv, NODE_ENV: 'production' }, profileFlags('bare')),
      startChild('yoga', 'yoga.ts', { ...baseEnv, NODE_ENV: 'production' }, profileFlags('yoga')),
      startChild(
        'keyward',
        'keyward.ts',
        {
          ...baseEnv,
          NODE_ENV: 'production',
          KEYWARD_PUBLIC_URL: 'http://localhost',
          KEYWARD_SECRET: randomBytes(48).toString('base64'),
          LOG_LEVEL: 'warn',
          DATABASE_URL: database.url,
          ...(process.env.BENCH_REDIS_URL ? { REDIS_URL: process.env.BENCH_REDIS_URL } : {}),
          PORT: '0',
          HOST: '127.0.0.1',
          KEYWARD_TOKEN_PREFIX: PREFIX,
          KEYWARD_MAX_TOKEN_RATE: String(TOKEN_RATE),
          KEYWARD_LIMIT_TOKEN_DEFAULT: `${TOKEN_RATE}/1m`,
        },
        profileFlags('keyward'),
      ),
    ]);
    children.push(bare, yoga, keyward);
    const references = { bare, yoga };

    const cases = buildCases(seeded).filter((c) => !ONLY || ONLY.includes(c.name));
    for (const benchCase of cases) {
      await sanityCheck(references[benchCase.reference].url, {
        ...benchCase,
        expectedStatus: 200,
      });
      await sanityCheck(keyward.url, benchCase);
    }

    // Idle background: the mail outbox poll (a transaction every 2 s) shows up in the ORM counter.
    const idleProbe = await probe(keyward);
    const idleSince = performance.now();
    await sleep(6000);
    const idleOrmPerSecond =
      ((await probe(keyward)).counters.orm! - idleProbe.counters.orm!) /
      ((performance.now() - idleSince) / 1000);

    interface Sample {
      round: number;
      reference: RunResult;
      keyward: RunResult;
      /** Statements from this Keyward run's start to the next one's (its write-behind flush included). */
      hotPath: number;
      orm: number;
      windowSeconds: number;
    }
    const runs: { name: string; round: number; reference: RunResult; keyward: RunResult; at: number }[] = [];
    const pgBefore = await transactions(db);
    for (let round = 0; round < ROUNDS; round++) {
      for (const benchCase of cases) {
        const reference = await measure(references[benchCase.reference], benchCase);
        const at = performance.now();
        const result = await measure(keyward, benchCase);
        runs.push({ name: benchCase.name, round, reference, keyward: result, at });
        process.stdout.write(
          `round ${round}${round === 0 ? ' (warm-up)' : ''} ${benchCase.name.padEnd(16)} ` +
            `ref ${fmt(reference.rps).padStart(7)} req/s  keyward ${fmt(result.rps).padStart(7)} req/s  ` +
            `ratio ${(result.rps / reference.rps).toFixed(2)}  p99 ${result.p99} ms  ` +
            `CPU/req ${fmt(reference.cpuMicrosPerRequest)} vs ${fmt(result.cpuMicrosPerRequest)} µs\n`,
        );
        await sleep(300);
      }
    }
    // The last window needs time for its write-behind flush (every 2 s).
    await sleep(2500);
    const final = await probe(keyward);
    const finalAt = performance.now();
    // PostgreSQL's own count, as a cross-check over the whole run: backends report their
    // statistics up to 10 s late (PGSTAT_IDLE_INTERVAL), hence the wait.
    await sleep(11_000);
    const pgTransactions = (await transactions(db)) - pgBefore - 1;
    const samples = new Map<string, Sample[]>(cases.map((c) => [c.name, []]));
    runs.forEach((run, index) => {
      const next = runs[index + 1];
      const end = next ? next.keyward.countersAtStart : final.counters;
      const start = run.keyward.countersAtStart;
      samples.get(run.name)!.push({
        round: run.round,
        reference: run.reference,
        keyward: run.keyward,
        hotPath: end.hotPath! - start.hotPath!,
        orm: end.orm! - start.orm!,
        windowSeconds: ((next?.at ?? finalAt) - run.at) / 1000,
      });
    });
    const countedTotal = {
      hotPath: final.counters.hotPath! - runs[0]!.keyward.countersAtStart.hotPath!,
      orm: final.counters.orm! - runs[0]!.keyward.countersAtStart.orm!,
    };
    const keywardRequests = runs.reduce((sum, run) => sum + run.keyward.requests, 0);

    interface Row {
      name: string;
      description: string;
      reference: string;
      referenceRps: number;
      referenceP99: number;
      rps: number;
      referenceCpu: number;
      cpu: number;
      p50: number;
      p99: number;
      ratio: number;
      /** Verification-pool queries per request (exact). */
      hotPathPerRequest: number;
      /** ORM statements per request beyond the idle background: write-behind flushes. */
      writeBehindPerRequest: number;
      statuses: Record<string, number>;
      unexpected: number;
      targetRatio: number;
      pass: boolean;
    }
    const rows: Row[] = [];
    for (const benchCase of cases) {
      const measured = samples.get(benchCase.name)!.filter((s) => s.round > 0);
      const statuses: Record<string, number> = {};
      for (const s of measured)
        for (const [code, n] of Object.entries(s.keyward.statuses))
          statuses[code] = (statuses[code] ?? 0) + n;
      const requests = measured.reduce((sum, s) => sum + s.keyward.requests, 0);
      const hotPath = measured.reduce((sum, s) => sum + s.hotPath, 0);
      const orm = measured.reduce((sum, s) => sum + s.orm, 0);
      const idle = measured.reduce((sum, s) => sum + idleOrmPerSecond * s.windowSeconds, 0);
      const unexpected =
        requests -
        (statuses[String(benchCase.expectedStatus)] ?? 0) +
        measured.reduce((sum, s) => sum + s.keyward.errors, 0);
      const ratio = median(measured.map((s) => s.keyward.rps / s.reference.rps));
      const p99 = median(measured.map((s) => s.keyward.p99));
      const hotPathPerRequest = hotPath / requests;
      rows.push({
        name: benchCase.name,
        description: benchCase.description,
        reference: benchCase.reference === 'bare' ? 'node:http' : 'graphql-yoga',
        referenceRps: median(measured.map((s) => s.reference.rps)),
        referenceP99: median(measured.map((s) => s.reference.p99)),
        rps: median(measured.map((s) => s.keyward.rps)),
        referenceCpu: median(measured.map((s) => s.reference.cpuMicrosPerRequest)),
        cpu: median(measured.map((s) => s.keyward.cpuMicrosPerRequest)),
        p50: median(measured.map((s) => s.keyward.p50)),
        p99,
        ratio,
        hotPathPerRequest,
        writeBehindPerRequest: Math.max(0, orm - idle) / requests,
        statuses,
        unexpected,
        targetRatio: benchCase.target.ratio,
        pass:
          ratio >= benchCase.target.ratio &&
          p99 <= 10 &&
          unexpected === 0 &&
          (!benchCase.target.zeroStatements || hotPath === 0),
      });
    }

    const header = [
      'case',
      'reference',
      'ref req/s',
      'Keyward req/s',
      'ratio',
      'p50 ms',
      'p99 ms',
      'ref p99',
      'CPU µs/req (ref / Keyward)',
      'DB queries/req',
      'write-behind stmts/req',
      'target',
      '',
    ];
    const table = rows.map((r) => [
      r.name,
      r.reference,
      fmt(r.referenceRps),
      fmt(r.rps),
      `${r.ratio.toFixed(2)}×`,
      fmt(r.p50, 0),
      fmt(r.p99, 0),
      fmt(r.referenceP99, 0),
      `${fmt(r.referenceCpu)} / ${fmt(r.cpu)}`,
      r.hotPathPerRequest.toFixed(3),
      r.writeBehindPerRequest.toFixed(4),
      `≥ ${r.targetRatio.toFixed(1)}×`,
      r.pass ? 'ok' : r.unexpected ? `MISS (${r.unexpected} unexpected)` : 'MISS',
    ]);
    const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => row[i]!.length)));
    const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
    console.log('');
    console.log(line(header));
    console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
    for (const row of table) console.log(line(row));
    console.log(
      `\nMedians over ${ROUNDS - 1} measured rounds of ${SECONDS} s, ${CONNECTIONS} connections; ratio = Keyward ÷ reference ` +
        'in the same round (same requests, same generator). p99 target ≤ 10 ms. CPU µs/req: the ' +
        "server process's user + system CPU time per request (less sensitive to other load on the machine).\n" +
        'DB queries/req: lookups the verification path sent to PostgreSQL (its pg pool, counted in the ' +
        'Keyward process), per request. write-behind stmts/req: statements MikroORM sent (usage flushes: ' +
        'BEGIN, UPDATE, INSERT, COMMIT every 2 s) from the start of the run until the next run, per request, ' +
        `less the idle background (the mail outbox poll, ${idleOrmPerSecond.toFixed(2)} statements/s).`,
    );
    console.log(
      `Cross-check by PostgreSQL itself (pg_stat_database xact_commit + xact_rollback, read 11 s after the last ` +
        `run because backends report up to 10 s late): ${pgTransactions} transactions over the whole run ` +
        `(${keywardRequests} Keyward requests, warm-up included), against ${countedTotal.hotPath} verification ` +
        `queries and ${countedTotal.orm} ORM statements counted in the Keyward process.`,
    );
    const plain = rows.find((r) => r.name === 'whoami-hot');
    const restrictedRow = rows.find((r) => r.name === 'whoami-restricted');
    if (plain && restrictedRow) {
      // Per round, restricted ÷ plain Keyward throughput (both measured in the same round).
      const plainRuns = samples.get('whoami-hot')!.filter((s) => s.round > 0);
      const restrictedRuns = samples.get('whoami-restricted')!.filter((s) => s.round > 0);
      const relative = median(restrictedRuns.map((s, i) => s.keyward.rps / plainRuns[i]!.keyward.rps));
      console.log(
        `whoami-restricted ÷ whoami-hot (Keyward, same rounds): ${relative.toFixed(2)}× ` +
          `(target ≥ 0.90×; ${process.env.BENCH_REDIS_URL ? 'credits in Redis' : 'credits in PostgreSQL'})`,
      );
    }
    for (const r of rows) {
      const other = Object.entries(r.statuses).filter(
        ([code]) => code !== String(cases.find((c) => c.name === r.name)!.expectedStatus),
      );
      if (other.length)
        console.log(`  ${r.name}: unexpected statuses ${JSON.stringify(Object.fromEntries(other))}`);
    }

    mkdirSync(resultsDir, { recursive: true });
    const file = path.join(resultsDir, `bench-${info.date.replace(/[:.]/g, '-')}.json`);
    writeFileSync(
      file,
      `${JSON.stringify(
        {
          machine: info,
          settings: {
            rounds: ROUNDS,
            seconds: SECONDS,
            connections: CONNECTIONS,
            database: database.description,
          },
          idleOrmStatementsPerSecond: idleOrmPerSecond,
          postgresTransactions: pgTransactions,
          countedStatements: countedTotal,
          summary: rows,
          samples: Object.fromEntries(samples),
        },
        null,
        2,
      )}\n`,
    );
    console.log(`\nRaw results: ${path.relative(root, file)}`);
    if (PROFILE)
      console.log(`CPU profiles: ${path.relative(root, path.join(resultsDir, 'profiles'))}/<server>/`);
  } finally {
    await Promise.all(children.map(stopChild));
    await db?.end().catch(() => {});
    await database.drop();
  }
}

await main();
