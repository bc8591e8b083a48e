/**
 * Faults in the middle of a load of token requests and token creations: no request hangs, and
 * nothing acknowledged is lost. Every 200 token request is in the usage counts, every created token
 * exists with its audit row, and no token exists without one.
 *
 * - Redis (a private redis-server, never the shared one) killed mid-load: token requests keep
 *   working, logins are refused with 503.
 * - Every database connection of the test database terminated mid-load (pg_terminate_backend).
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../../server/src/db/embedded-postgres.js';
import { startTestServer, type TestServer } from '../helpers/harness.js';

const CREATE = 'mutation($input: CreateTokenInput!) { createToken(input: $input) { token { id } secret } }';
const LOGIN = 'mutation($input: LoginInput!) { login(input: $input) { id } }';
/** No answer may take longer than this, fault or not. */
const ANSWER_WITHIN_MS = 3000;

interface Tally {
  ok: number;
  /** Failed answers by HTTP status (and GraphQL code). */
  failed: Record<string, number>;
  created: string[];
  slowest: number;
}

let server: TestServer | null = null;
afterEach(async () => {
  await server?.close();
  server = null;
});

async function timedFetch(url: string, init: RequestInit, tally: Tally): Promise<Response> {
  const started = performance.now();
  const response = await fetch(url, { ...init, signal: AbortSignal.timeout(ANSWER_WITHIN_MS * 2) });
  tally.slowest = Math.max(tally.slowest, performance.now() - started);
  return response;
}

/**
 * Runs `lanes` loops of whoami and one loop of createToken until `done` resolves; tallies answers.
 */
async function runLoad(s: TestServer, secret: string, cookie: string, done: Promise<void>): Promise<Tally> {
  const tally: Tally = { ok: 0, failed: {}, created: [], slowest: 0 };
  let stopped = false;
  void done.then(() => {
    stopped = true;
  });
  const fail = (status: string) => {
    tally.failed[status] = (tally.failed[status] ?? 0) + 1;
  };
  const readers = Array.from({ length: 4 }, async () => {
    while (!stopped) {
      const response = await timedFetch(
        `${s.url}/api/cli/whoami`,
        { headers: { authorization: `Bearer ${secret}` } },
        tally,
      );
      await response.body?.cancel();
      if (response.status === 200) tally.ok++;
      else fail(String(response.status));
    }
  });
  const writer = (async () => {
    for (let i = 0; !stopped; i++) {
      const response = await timedFetch(
        `${s.url}/graphql`,
        {
          method: 'POST',
          headers: { 'content-type': 'application/json', cookie, 'x-keyward-csrf': '1' },
          body: JSON.stringify({
            query: CREATE,
            variables: { input: { name: `load ${i}`, preset: 'READ_ONLY' } },
          }),
        },
        tally,
      );
      const body = (await response.json()) as {
        data?: { createToken?: { token: { id: string } } } | null;
        errors?: { extensions?: { code?: string } }[];
      };
      const id = body.data?.createToken?.token.id;
      if (id) tally.created.push(id);
      else fail(`${response.status} ${body.errors?.[0]?.extensions?.code ?? ''}`.trim());
      // Revoke what was created, so the 20-token cap never ends the load.
      if (id) await s.gql('mutation($id: ID!) { revokeToken(id: $id) { id } }', { id }, { cookie });
    }
  })();
  await Promise.all([...readers, writer]);
  return tally;
}

/** Asserts nothing acknowledged was lost: usage counts, created tokens and their audit rows. */
async function expectNothingLost(
  s: TestServer,
  tokenId: string,
  accountId: string,
  tally: Tally,
): Promise<void> {
  await s.keyward.services.usage.flush();
  const [usage] = await s.sql<{ n: number }>(
    'select coalesce(sum(count), 0)::int as n from token_usage_day where token_id = $1',
    [tokenId],
  );
  expect(usage?.n).toBe(tally.ok + 1);
  const tokens = await s.sql<{ id: string; audited: boolean }>(
    `select t.id, exists (select 1 from audit_event e where e.target_id = t.id and e.action = 'token.create') as audited
     from api_token t where t.account_id = $1 and t.id <> $2`,
    [accountId, tokenId],
  );
  expect(tokens.filter((token) => !token.audited)).toEqual([]);
  const ids = new Set(tokens.map((token) => token.id));
  expect(tally.created.filter((id) => !ids.has(id))).toEqual([]);
}

async function seed(s: TestServer): Promise<{
  accountId: string;
  email: string;
  password: string;
  cookie: string;
  token: { id: string; secret: string };
}> {
  const { account, email, password } = await s.seedAccount({ plan: 'team' });
  const cookie = await s.login(email, password);
  const created = await s.gql<{ createToken: { token: { id: string }; secret: string } }>(
    CREATE,
    { input: { name: 'the reader', preset: 'ALL', rateLimitPerMinute: 10_000 } },
    { cookie },
  );
  const token = created.body.data!.createToken;
  expect((await s.rest('/api/cli/whoami', { token: token.secret })).status).toBe(200);
  return {
    accountId: account.id,
    email,
    password,
    cookie,
    token: { id: token.token.id, secret: token.secret },
  };
}

const redisServer = (() => {
  try {
    return execFileSync('which', ['redis-server'], { encoding: 'utf8' }).trim() || null;
  } catch {
    return null;
  }
})();
if (!redisServer) console.warn('Fault test "Redis killed mid-load" SKIPPED: no redis-server binary on PATH.');

function startPrivateRedis(binary: string, port: number): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      binary,
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      {
        stdio: ['ignore', 'pipe', 'ignore'],
      },
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Ready to accept connections')) resolve(child);
    });
    child.once('exit', (code) => reject(new Error(`redis-server exited with ${code}: ${output}`)));
  });
}

describe('faults under load lose nothing', () => {
  it.skipIf(!redisServer)(
    'Redis killed mid-load: no hung request, tokens keep working, logins 503',
    { timeout: 60_000 },
    async () => {
      const port = await freePort();
      const redis = await startPrivateRedis(redisServer!, port);
      try {
        server = await startTestServer({
          REDIS_URL: `redis://127.0.0.1:${port}`,
          KEYWARD_REDIS_PREFIX: `keyward-fault-${randomBytes(4).toString('hex')}`,
          KEYWARD_USAGE_FLUSH_MS: '100',
        });
        const s = server;
        const seeded = await seed(s);
        let finish = () => {};
        const done = new Promise<void>((resolve) => {
          finish = resolve;
        });
        const load = runLoad(s, seeded.token.secret, seeded.cookie, done);
        await new Promise((resolve) => setTimeout(resolve, 700));
        redis.kill('SIGKILL');
        await new Promise((resolve) => setTimeout(resolve, 1500));
        const login = await s.gql(LOGIN, { input: { email: seeded.email, password: seeded.password } });
        expect(login.status).toBe(503);
        expect(login.body.errors?.[0]?.extensions?.code).toBe('SERVICE_UNAVAILABLE');
        finish();
        const tally = await load;
        console.info(
          `Redis killed mid-load: ${tally.ok} token requests ok, failures ${JSON.stringify(tally.failed)}, ${tally.created.length} tokens created, slowest ${tally.slowest.toFixed(0)} ms`,
        );
        expect(tally.failed).toEqual({});
        expect(tally.slowest).toBeLessThan(ANSWER_WITHIN_MS);
        expect(tally.created.length).toBeGreaterThan(0);
        await expectNothingLost(s, seeded.token.id, seeded.accountId, tally);
      } finally {
        redis.kill('SIGKILL');
      }
    },
  );

  it('database connections terminated mid-load: no hung request, then full recovery', {
    timeout: 60_000,
  }, async () => {
    server = await startTestServer({ KEYWARD_USAGE_FLUSH_MS: '100' });
    const s = server;
    const seeded = await seed(s);
    let finish = () => {};
    const done = new Promise<void>((resolve) => {
      finish = resolve;
    });
    const load = runLoad(s, seeded.token.secret, seeded.cookie, done);
    for (let round = 0; round < 3; round++) {
      await new Promise((resolve) => setTimeout(resolve, 400));
      await s.sql(
        'select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()',
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 1500));
    finish();
    const tally = await load;
    console.info(
      `DB connections terminated mid-load: ${tally.ok} token requests ok, failures ${JSON.stringify(tally.failed)}, ${tally.created.length} tokens created, slowest ${tally.slowest.toFixed(0)} ms`,
    );
    expect(tally.slowest).toBeLessThan(ANSWER_WITHIN_MS);
    // A request caught by a terminated connection may fail, but only as an internal error or 5xx.
    expect(
      Object.keys(tally.failed).filter(
        (failure) => !/^5\d\d|INTERNAL_ERROR|SERVICE_UNAVAILABLE/.test(failure),
      ),
    ).toEqual([]);
    expect(tally.created.length).toBeGreaterThan(0);
    // Recovered: the cache listens again, reads and writes succeed.
    await expect.poll(() => s.keyward.services.tokenCache.enabled, { timeout: 5000 }).toBe(true);
    expect((await s.rest('/api/cli/whoami', { token: seeded.token.secret })).status).toBe(200);
    tally.ok++;
    await expectNothingLost(s, seeded.token.id, seeded.accountId, tally);
  });
});
