/**
 * With Redis carrying rate limits and invalidations, changes made directly in SQL (which publish
 * nothing to Redis) still reach every instance's token cache within a second, through the
 * database's own change notifications.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootKeyward, type RunningKeyward } from '../../server/src/boot.js';
import { loadConfig } from '../../server/src/config.js';
import { createLogger } from '../../server/src/logger.js';
import { generousLimits, startTestServer, type TestServer } from '../helpers/harness.js';

const CREATE = 'mutation($input: CreateTokenInput!) { createToken(input: $input) { token { id } secret } }';
const WITHIN_MS = 1000;

const REDIS_URL = process.env.REDIS_URL;
if (!REDIS_URL) {
  console.warn('SQL-change invalidation with Redis SKIPPED: set REDIS_URL (e.g. redis://127.0.0.1:6379).');
}

describe.skipIf(!REDIS_URL)('changes made in SQL reach every instance when Redis is in use', () => {
  let a: TestServer;
  let b: RunningKeyward;
  let cookie: string;
  const env = () => ({
    REDIS_URL: REDIS_URL!,
    KEYWARD_REDIS_PREFIX: `keyward-sql-${randomBytes(4).toString('hex')}`,
  });

  beforeAll(async () => {
    const shared = env();
    a = await startTestServer(shared);
    const config = loadConfig({
      NODE_ENV: 'test',
      PORT: '0',
      HOST: '127.0.0.1',
      DATABASE_URL: a.keyward.services.config.databaseUrl!,
      ...generousLimits,
      ...shared,
    });
    b = await bootKeyward(config, createLogger('silent'));
    const { email, password } = await a.seedAccount({ plan: 'team' });
    cookie = await a.login(email, password);
  });
  afterAll(async () => {
    await b?.stop();
    await a?.close();
  });

  async function createToken(): Promise<{ id: string; secret: string }> {
    const response = await a.gql<{ createToken: { token: { id: string }; secret: string } }>(
      CREATE,
      { input: { name: `sql-${randomBytes(3).toString('hex')}`, preset: 'ALL', rateLimitPerMinute: 10_000 } },
      { cookie },
    );
    const created = response.body.data?.createToken;
    if (!created) throw new Error(JSON.stringify(response.body));
    return { id: created.token.id, secret: created.secret };
  }

  async function whoamiCode(url: string, secret: string): Promise<string | null> {
    const response = await fetch(`${url}/api/cli/whoami`, { headers: { authorization: `Bearer ${secret}` } });
    const body = (await response.json()) as { error?: string };
    return response.status === 200 ? null : (body.error ?? String(response.status));
  }

  /** Asserts `secret` is cached on `instance` (a second request is a hit). */
  async function expectCached(instance: RunningKeyward, secret: string): Promise<void> {
    expect(await whoamiCode(instance.url, secret)).toBeNull();
    const hits = instance.services.tokenCache.stats.hits;
    expect(await whoamiCode(instance.url, secret)).toBeNull();
    expect(instance.services.tokenCache.stats.hits).toBe(hits + 1);
  }

  async function msUntil(url: string, secret: string, code: string, since: number): Promise<number> {
    for (;;) {
      if ((await whoamiCode(url, secret)) === code) return performance.now() - since;
      if (performance.now() - since > 3 * WITHIN_MS) throw new Error(`${url} still accepts the token`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  it('both instances use Redis with their caches on', () => {
    expect(a.keyward.services.redis).not.toBeNull();
    expect(b.services.redis).not.toBeNull();
    expect(a.keyward.services.tokenCache.enabled).toBe(true);
    expect(b.services.tokenCache.enabled).toBe(true);
  });

  it(`a token revoked by a direct SQL update is refused on both instances within ${WITHIN_MS} ms`, async () => {
    const token = await createToken();
    await expectCached(a.keyward, token.secret);
    await expectCached(b, token.secret);
    await a.sql('update api_token set revoked_at = now() where id = $1', [token.id]);
    const updated = performance.now();
    const onA = await msUntil(a.url, token.secret, 'token_revoked', updated);
    const onB = await msUntil(b.url, token.secret, 'token_revoked', updated);
    console.info(`SQL revoke with Redis: A after ${onA.toFixed(1)} ms, B after ${onB.toFixed(1)} ms`);
    expect(onA).toBeLessThan(WITHIN_MS);
    expect(onB).toBeLessThan(WITHIN_MS);
  });

  it(`an owner deleted in SQL is seen on both instances within ${WITHIN_MS} ms`, async () => {
    const other = await a.seedAccount({ plan: 'team' });
    const otherCookie = await a.login(other.email, other.password);
    const response = await a.gql<{ createToken: { secret: string } }>(
      CREATE,
      { input: { name: 'owner goes', preset: 'ALL' } },
      { cookie: otherCookie },
    );
    const secret = response.body.data!.createToken.secret;
    await expectCached(a.keyward, secret);
    await expectCached(b, secret);
    await a.sql('delete from account where id = $1', [other.account.id]);
    const deleted = performance.now();
    expect(await msUntil(a.url, secret, 'token_user_missing', deleted)).toBeLessThan(WITHIN_MS);
    expect(await msUntil(b.url, secret, 'token_user_missing', deleted)).toBeLessThan(WITHIN_MS);
  });

  it('a revoke through the API still reaches the other instance at once', async () => {
    const token = await createToken();
    await expectCached(b, token.secret);
    const revoked = await a.gql(
      'mutation($id: ID!) { revokeToken(id: $id) { id } }',
      { id: token.id },
      { cookie },
    );
    expect(revoked.body.errors).toBeUndefined();
    expect(await whoamiCode(b.url, token.secret)).toBe('token_revoked');
  });
});
