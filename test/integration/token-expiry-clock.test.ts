/**
 * Token expiry is decided by the database's clock, never by an instance's wall clock: an instance
 * whose clock is minutes off refuses an expired token from its cache on time, and keeps accepting
 * a token that has not expired yet. The instance's wall clock is shifted with a fake Date.now.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { CACHE_LIFETIME_MS } from '../../server/src/tokens/token-verifier.js';
import { startTestServer, type TestServer } from '../helpers/harness.js';

const CREATE = 'mutation($input: CreateTokenInput!) { createToken(input: $input) { token { id } secret } }';
const TEN_MINUTES = 10 * 60_000;

let server: TestServer;
let cookie: string;
beforeAll(async () => {
  server = await startTestServer();
  const { email, password } = await server.seedAccount({ plan: 'team' });
  cookie = await server.login(email, password);
});
afterAll(() => server.close());
afterEach(() => {
  vi.restoreAllMocks();
});

/** A token whose expiry the database sets `seconds` from its own now(). */
async function tokenExpiringIn(seconds: number): Promise<{ id: string; secret: string }> {
  const response = await server.gql<{ createToken: { token: { id: string }; secret: string } }>(
    CREATE,
    { input: { name: `expiring in ${seconds}s`, preset: 'ALL', expiresInDays: 1 } },
    { cookie },
  );
  const created = response.body.data?.createToken;
  if (!created) throw new Error(JSON.stringify(response.body));
  await server.sql(`update api_token set expires_at = now() + make_interval(secs => $2) where id = $1`, [
    created.token.id,
    seconds,
  ]);
  return { id: created.token.id, secret: created.secret };
}

async function whoamiCode(secret: string): Promise<string | null> {
  const response = await server.rest('/api/cli/whoami', { token: secret });
  const body = (await response.json()) as { error?: string };
  return response.status === 200 ? null : (body.error ?? String(response.status));
}

/** Shifts this process's wall clock (Date.now) by `offsetMs`. */
function shiftWallClock(offsetMs: number): void {
  const realNow = Date.now.bind(Date);
  vi.spyOn(Date, 'now').mockImplementation(() => realNow() + offsetMs);
}

/** Waits until the change notification for `secret`'s row has emptied the cache, then caches it again. */
async function cacheFreshly(secret: string): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 100));
  expect(await whoamiCode(secret)).toBeNull();
  const hits = server.keyward.services.tokenCache.stats.hits;
  expect(await whoamiCode(secret)).toBeNull();
  expect(server.keyward.services.tokenCache.stats.hits).toBe(hits + 1);
}

describe('token expiry follows the database clock', () => {
  it('an instance whose clock is 10 minutes slow refuses an expired token from its cache', async () => {
    shiftWallClock(-TEN_MINUTES);
    const token = await tokenExpiringIn(1.5);
    await cacheFreshly(token.secret);
    await new Promise((resolve) => setTimeout(resolve, 1700));
    const hits = server.keyward.services.tokenCache.stats.hits;
    expect(await whoamiCode(token.secret)).toBe('token_expired');
    // Decided on the cached entry, without a query.
    expect(server.keyward.services.tokenCache.stats.hits).toBe(hits + 1);
  });

  it('an instance whose clock is 10 minutes fast keeps accepting a token with 5 minutes left', async () => {
    shiftWallClock(TEN_MINUTES);
    const token = await tokenExpiringIn(300);
    // Both the lookup (a miss) and the cached answer accept it.
    await cacheFreshly(token.secret);
    expect(await whoamiCode(token.secret)).toBeNull();
  });

  it('a token whose expiry passed in the database is refused on a miss, whatever the wall clock', async () => {
    shiftWallClock(-TEN_MINUTES);
    const token = await tokenExpiringIn(-1);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await whoamiCode(token.secret)).toBe('token_expired');
    expect(await whoamiCode(token.secret)).toBe('token_expired');
  });
});

describe('the token cache has a bounded lifetime', () => {
  it(`a change no notification announced is seen once an entry is ${CACHE_LIFETIME_MS / 1000} s old`, async () => {
    const token = await tokenExpiringIn(3600);
    await cacheFreshly(token.secret);
    // A revoke that reaches no instance (its trigger is off): only the lifetime can end the entry.
    await server.sql('alter table api_token disable trigger api_token_invalidate');
    try {
      await server.sql('update api_token set revoked_at = now() where id = $1', [token.id]);
    } finally {
      await server.sql('alter table api_token enable trigger api_token_invalidate');
    }
    expect(await whoamiCode(token.secret)).toBeNull();
    const realNow = performance.now.bind(performance);
    vi.spyOn(performance, 'now').mockImplementation(() => realNow() + CACHE_LIFETIME_MS + 1);
    expect(await whoamiCode(token.secret)).toBe('token_revoked');
  });
});
