/**
 * Token restrictions on both surfaces: allowedCidrs (ip_not_allowed, IPv6, behind a trusted
 * proxy), notBefore (token_not_yet_valid, PENDING, boundaries on the database clock) and usage
 * credits (usage_exhausted, refill), as created over GraphQL and REST and shown by whoami.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/harness.js';

const CREATE = `mutation($input: CreateTokenInput!) {
  createToken(input: $input) {
    token { id status allowedCidrs notBefore usageLimit usageRemaining usageRefill { amount interval } }
    secret
  }
}`;
const TOKEN = '{ token(id: $id) { status allowedCidrs notBefore usageLimit usageRemaining } }';

let server: TestServer;
let cookie: string;
beforeAll(async () => {
  // One trusted proxy hop: X-Forwarded-For's rightmost entry is the client.
  server = await startTestServer({ KEYWARD_TRUST_PROXY: '1' });
  const { email, password } = await server.seedAccount({ plan: 'team' });
  cookie = await server.login(email, password);
});
afterAll(() => server.close());

interface Created {
  id: string;
  secret: string;
  token: Record<string, unknown>;
}

async function create(input: Record<string, unknown>): Promise<Created> {
  const response = await server.gql<{ createToken: { token: { id: string }; secret: string } }>(
    CREATE,
    { input: { name: 'restricted', preset: 'ALL', ...input } },
    { cookie },
  );
  const created = response.body.data?.createToken;
  if (!created) throw new Error(JSON.stringify(response.body));
  return { id: created.token.id, secret: created.secret, token: created.token };
}

async function createError(input: Record<string, unknown>) {
  const response = await server.gql(CREATE, { input: { name: 'bad', preset: 'ALL', ...input } }, { cookie });
  return response.body.errors?.[0];
}

async function whoami(secret: string, from?: string) {
  const response = await server.rest('/api/cli/whoami', {
    token: secret,
    ...(from ? { headers: { 'x-forwarded-for': from } } : {}),
  });
  const body = (await response.json()) as Record<string, unknown> & {
    error?: string;
    token?: Record<string, unknown>;
  };
  return { status: response.status, code: body.error ?? null, body, headers: response.headers };
}

async function viewer(secret: string, from?: string) {
  const response = await server.gql(
    '{ viewer { id } }',
    {},
    {
      token: secret,
      ...(from ? { headers: { 'x-forwarded-for': from } } : {}),
    },
  );
  return { status: response.status, code: response.body.errors?.[0]?.extensions?.code ?? null };
}

async function usageCounts(tokenId: string): Promise<{ allowed: number; denied: number }> {
  await server.keyward.services.usage.flush();
  const [row] = await server.sql<{ allowed: number; denied: number }>(
    `select coalesce(sum(count), 0)::int as allowed, coalesce(sum(denied), 0)::int as denied
     from token_usage_day where token_id = $1`,
    [tokenId],
  );
  return row ?? { allowed: 0, denied: 0 };
}

describe('allowedCidrs', () => {
  it('createToken: stores canonical entries (single addresses bare, IPv6 compressed, mapped IPv4 unmapped)', async () => {
    const { token } = await create({
      allowedCidrs: [' 203.0.113.0/24', '2001:DB8:0:0::/32', '::ffff:198.51.100.7', '192.0.2.9/32'],
    });
    expect(token.allowedCidrs).toEqual(['203.0.113.0/24', '2001:db8::/32', '198.51.100.7', '192.0.2.9']);
  });

  it.each([
    [['10.0.0.300'], /not an IPv4\/IPv6 address/],
    [['10.0.0.1/8'], /host bits set: did you mean 10\.0\.0\.0\/8/],
    [['10.0.0.0/8', '10.1.0.0/16'], /overlap/],
    [['10.0.0.1', '10.0.0.1'], /overlap/],
    [[], /at least one/],
    [Array.from({ length: 21 }, (_, i) => `10.0.${i}.0/24`), /at most 20/],
  ])(
    'createToken: %j is VALIDATION_FAILED naming allowedCidrs, and creates nothing',
    async (cidrs, message) => {
      const [before] = await server.sql<{ n: number }>('select count(*)::int as n from api_token');
      const error = await createError({ allowedCidrs: cidrs });
      expect(error?.extensions?.code).toBe('VALIDATION_FAILED');
      expect(error?.extensions?.field).toBe('allowedCidrs');
      expect(error?.message).toMatch(message);
      const [after] = await server.sql<{ n: number }>('select count(*)::int as n from api_token');
      expect(after).toEqual(before);
    },
  );

  it('REST POST /api/tokens: a malformed range is 400 validation_failed', async () => {
    const response = await server.rest('/api/tokens', {
      method: 'POST',
      cookie,
      headers: { 'content-type': 'application/json', 'x-keyward-csrf': '1' },
      body: JSON.stringify({ name: 'x', allowedCidrs: ['not-an-ip'] }),
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: string }).error).toBe('validation_failed');
  });

  it('a client inside the list is served; outside, 403 ip_not_allowed on REST and IP_NOT_ALLOWED on GraphQL', async () => {
    const { id, secret } = await create({ allowedCidrs: ['203.0.113.0/24', '2001:db8::/32'] });
    expect((await whoami(secret, '203.0.113.200')).status).toBe(200);
    expect((await viewer(secret, '203.0.113.1')).status).toBe(200);
    expect((await whoami(secret, '2001:db8:ffff::1')).status).toBe(200);
    const refused = await whoami(secret, '198.51.100.1');
    expect(refused).toMatchObject({ status: 403, code: 'ip_not_allowed' });
    expect(refused.headers.get('www-authenticate')).toBeNull();
    expect(await viewer(secret, '2001:db9::1')).toEqual({ status: 403, code: 'IP_NOT_ALLOWED' });
    // Without a forwarded address the client is the proxy's peer, 127.0.0.1: not listed.
    expect((await whoami(secret)).code).toBe('ip_not_allowed');
    // Refusals count as denied uses of the token (3 served, 3 refused).
    expect(await usageCounts(id)).toEqual({ allowed: 3, denied: 3 });
  });

  it('behind the trusted proxy, entries a client writes on the left of X-Forwarded-For change nothing', async () => {
    const { secret } = await create({ allowedCidrs: ['203.0.113.0/24'] });
    expect((await whoami(secret, '203.0.113.5, 198.51.100.1')).code).toBe('ip_not_allowed');
    expect((await whoami(secret, '198.51.100.1, 203.0.113.5')).status).toBe(200);
  });

  it('the cached decision follows the address of each request (allowed, refused, allowed)', async () => {
    const { secret } = await create({ allowedCidrs: ['192.0.2.0/25'] });
    expect((await whoami(secret, '192.0.2.1')).status).toBe(200);
    expect((await whoami(secret, '192.0.2.128')).code).toBe('ip_not_allowed');
    expect((await whoami(secret, '192.0.2.127')).status).toBe(200);
  });
});

describe('notBefore', () => {
  it('before notBefore: 401 token_not_yet_valid (REST, with the Bearer challenge) and TOKEN_NOT_YET_VALID; status PENDING', async () => {
    const notBefore = new Date(Date.now() + 3_600_000).toISOString();
    const { id, secret, token } = await create({ notBefore });
    expect(token).toMatchObject({ status: 'PENDING', notBefore });
    const refused = await whoami(secret);
    expect(refused).toMatchObject({ status: 401, code: 'token_not_yet_valid' });
    expect(refused.headers.get('www-authenticate')).toMatch(/error="invalid_token"/);
    expect(await viewer(secret)).toEqual({ status: 401, code: 'TOKEN_NOT_YET_VALID' });
    const pending = await server.gql<{ tokens: { edges: { node: { id: string } }[] } }>(
      '{ tokens(status: PENDING) { edges { node { id } } } }',
      {},
      { cookie },
    );
    expect(pending.body.data?.tokens.edges.map((edge) => edge.node.id)).toContain(id);
    const active = await server.gql<{ tokens: { edges: { node: { id: string } }[] } }>(
      '{ tokens(status: ACTIVE) { edges { node { id } } } }',
      {},
      { cookie },
    );
    expect(active.body.data?.tokens.edges.map((edge) => edge.node.id)).not.toContain(id);
    const rest = await server.rest('/api/tokens?status=pending', { cookie });
    const listed = (await rest.json()) as { tokens: { id: string; status: string }[] };
    expect(listed.tokens.find((entry) => entry.id === id)?.status).toBe('PENDING');
  });

  it('the boundary is the database clock: refused up to notBefore, served from it, also from the cache', async () => {
    const { id, secret } = await create({ notBefore: new Date(Date.now() + 3_600_000).toISOString() });
    expect((await whoami(secret)).code).toBe('token_not_yet_valid');
    // 1.5 s ahead by the database's clock; the change notification empties the cache.
    await server.sql("update api_token set not_before = now() + interval '1500 milliseconds' where id = $1", [
      id,
    ]);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect((await whoami(secret)).code).toBe('token_not_yet_valid');
    // Cached now: the entry counts down to the database's instant.
    expect((await whoami(secret)).code).toBe('token_not_yet_valid');
    await new Promise((resolve) => setTimeout(resolve, 1600));
    expect((await whoami(secret)).status).toBe(200);
    await server.sql("update api_token set not_before = now() - interval '1 millisecond' where id = $1", [
      id,
    ]);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect((await whoami(secret)).status).toBe(200);
  });

  it('a notBefore at or after the expiry is VALIDATION_FAILED naming notBefore', async () => {
    const error = await createError({
      expiresInDays: 1,
      notBefore: new Date(Date.now() + 2 * 86_400_000).toISOString(),
    });
    expect(error?.extensions).toMatchObject({ code: 'VALIDATION_FAILED', field: 'notBefore' });
  });
});

describe('usageLimit (credits)', () => {
  it('works for exactly N requests, then 429 usage_exhausted / USAGE_EXHAUSTED; whoami and Token show the credits left', async () => {
    const { id, secret, token } = await create({ usageLimit: 3 });
    expect(token).toMatchObject({ usageLimit: 3, usageRemaining: 3 });
    expect(await usageCounts(id)).toEqual({ allowed: 0, denied: 0 });
    const first = await whoami(secret);
    expect(first.status).toBe(200);
    expect(first.body.token).toMatchObject({ usageLimit: 3, usageRemaining: 2, usageRefill: null });
    expect((await whoami(secret)).body.token?.usageRemaining).toBe(1);
    expect(await viewer(secret)).toEqual({ status: 200, code: null });
    const exhausted = await whoami(secret);
    expect(exhausted).toMatchObject({ status: 429, code: 'usage_exhausted' });
    expect(exhausted.headers.get('x-ratelimit-scope')).toBeNull();
    expect(await viewer(secret)).toEqual({ status: 429, code: 'USAGE_EXHAUSTED' });
    const shown = await server.gql<{ token: { usageRemaining: number; status: string } }>(
      `query($id: ID!) ${TOKEN}`,
      { id },
      { cookie },
    );
    expect(shown.body.data?.token).toMatchObject({ usageRemaining: 0, status: 'ACTIVE' });
    // Refusals for spent credits count as denied uses.
    expect(await usageCounts(id)).toEqual({ allowed: 3, denied: 2 });
    const [row] = await server.sql<{ remaining: number }>(
      'select remaining from token_credit where token_id = $1',
      [id],
    );
    expect(row).toEqual({ remaining: 0 });
  });

  it('a request the rate limiter refuses takes no credit', async () => {
    const { id, secret } = await create({ usageLimit: 10, rateLimitPerMinute: 2 });
    expect((await whoami(secret)).status).toBe(200);
    expect((await whoami(secret)).status).toBe(200);
    expect((await whoami(secret)).code).toBe('rate_limit_exceeded');
    const [row] = await server.sql<{ remaining: number }>(
      'select remaining from token_credit where token_id = $1',
      [id],
    );
    expect(row).toEqual({ remaining: 8 });
  });

  it('300 concurrent requests on 100 credits: exactly 100 are served', async () => {
    const { id, secret } = await create({ usageLimit: 100, rateLimitPerMinute: 1000 });
    const answers = await Promise.all(Array.from({ length: 300 }, () => whoami(secret)));
    expect(answers.filter((answer) => answer.status === 200)).toHaveLength(100);
    expect(answers.filter((answer) => answer.code === 'usage_exhausted')).toHaveLength(200);
    const remaining = answers
      .map((answer) => answer.body.token?.usageRemaining)
      .filter((n) => n !== undefined);
    expect(new Set(remaining).size).toBe(100);
    const [row] = await server.sql<{ remaining: number }>(
      'select remaining from token_credit where token_id = $1',
      [id],
    );
    expect(row).toEqual({ remaining: 0 });
  });

  it('a refill sets the credits back at the start of the next period (database clock)', async () => {
    const { id, secret, token } = await create({
      usageLimit: 2,
      usageRefill: { amount: 2, interval: 'DAY' },
    });
    expect(token.usageRefill).toEqual({ amount: 2, interval: 'DAY' });
    expect((await whoami(secret)).status).toBe(200);
    expect((await whoami(secret)).status).toBe(200);
    expect((await whoami(secret)).code).toBe('usage_exhausted');
    // The stored period becomes yesterday's: today's period has begun since.
    await server.sql(
      "update token_credit set period_start = period_start - interval '1 day' where token_id = $1",
      [id],
    );
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const refilled = await whoami(secret);
    expect(refilled.status).toBe(200);
    expect(refilled.body.token?.usageRemaining).toBe(1);
  });

  it.each([
    [{ usageLimit: 0 }, 'usageLimit'],
    [{ usageLimit: 2_000_000_001 }, 'usageLimit'],
    [{ usageRefill: { amount: 1, interval: 'DAY' } }, 'usageRefill'],
    [{ usageLimit: 5, usageRefill: { amount: 6, interval: 'WEEK' } }, 'usageRefill.amount'],
  ])('createToken %j: VALIDATION_FAILED naming %s', async (input, field) => {
    expect((await createError(input))?.extensions).toMatchObject({ code: 'VALIDATION_FAILED', field });
  });
});

describe('REST', () => {
  it('POST /api/tokens and /api/v1/api-tokens accept the restrictions; the list shows them', async () => {
    const body = {
      name: 'rest restricted',
      allowedCidrs: ['127.0.0.1', '::1'],
      notBefore: new Date(Date.now() - 1000).toISOString(),
      usageLimit: 5,
      usageRefill: { amount: 5, interval: 'MONTH' },
    };
    const response = await server.rest('/api/tokens', {
      method: 'POST',
      cookie,
      headers: { 'content-type': 'application/json', 'x-keyward-csrf': '1' },
      body: JSON.stringify(body),
    });
    expect(response.status).toBe(201);
    const created = (await response.json()) as { token: Record<string, unknown>; secret: string };
    expect(created.token).toMatchObject({
      allowedCidrs: ['127.0.0.1', '::1'],
      notBefore: body.notBefore,
      usageLimit: 5,
      usageRemaining: 5,
      usageRefill: { amount: 5, interval: 'MONTH' },
      status: 'ACTIVE',
    });
    const me = await whoami(created.secret);
    expect(me.body.token).toMatchObject({ allowedCidrs: ['127.0.0.1', '::1'], usageRemaining: 4 });

    const v1 = await server.rest('/api/v1/api-tokens', {
      method: 'POST',
      token: created.secret,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'v1 child', allowedCidrs: ['127.0.0.1'], usageLimit: 2 }),
    });
    expect(v1.status).toBe(201);
    const child = ((await v1.json()) as { data: { token: string } }).data;
    expect((await whoami(child.token)).body.token).toMatchObject({
      allowedCidrs: ['127.0.0.1'],
      usageLimit: 2,
      usageRemaining: 1,
    });
  });
});
