/**
 * Restrictions only narrow: a token created by a token inherits its creator's restrictions and
 * may only narrow them (insufficient_scope naming the field); an owner may add or tighten a
 * token's restrictions (tightenTokenRestrictions), never loosen them (VALIDATION_FAILED naming
 * the field, nothing changed), each change one `token.restrict` audit event.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/harness.js';

const CREATE = `mutation($input: CreateTokenInput!) {
  createToken(input: $input) {
    token { id allowedCidrs notBefore usageLimit usageRemaining usageRefill { amount interval } }
    secret
  }
}`;
const TIGHTEN = `mutation($id: ID!, $input: TightenTokenRestrictionsInput!) {
  tightenTokenRestrictions(id: $id, input: $input) { id allowedCidrs notBefore usageLimit usageRemaining usageRefill { amount } }
}`;

let server: TestServer;
let cookie: string;
beforeAll(async () => {
  server = await startTestServer();
  const { email, password } = await server.seedAccount({ plan: 'team' });
  cookie = await server.login(email, password);
});
afterAll(() => server.close());

type Token = {
  id: string;
  allowedCidrs: string[] | null;
  notBefore: string | null;
  usageLimit: number | null;
  usageRemaining: number | null;
  usageRefill: { amount: number; interval?: string } | null;
};

async function create(input: Record<string, unknown>, as: { cookie?: string; token?: string } = { cookie }) {
  const response = await server.gql<{ createToken: { token: Token; secret: string } }>(
    CREATE,
    { input: { name: 'narrowing', preset: 'ALL', rateLimitPerMinute: 1000, ...input } },
    as,
  );
  return { created: response.body.data?.createToken ?? null, error: response.body.errors?.[0] ?? null };
}

async function parent(input: Record<string, unknown>) {
  const { created } = await create(input);
  if (!created) throw new Error('parent not created');
  return created;
}

const past = () => new Date(Date.now() - 60_000).toISOString();

describe('attenuation: tokens created by a token', () => {
  it('inherit every restriction they leave out (credits: what the creator has left)', async () => {
    const creator = await parent({
      allowedCidrs: ['127.0.0.0/8', '::1'],
      notBefore: past(),
      usageLimit: 10,
      usageRefill: { amount: 8, interval: 'WEEK' },
    });
    const { created } = await create({}, { token: creator.secret });
    // The create request itself took one of the creator's credits.
    expect(created?.token).toMatchObject({
      allowedCidrs: ['127.0.0.0/8', '::1'],
      notBefore: creator.token.notBefore,
      usageLimit: 9,
      usageRemaining: 9,
      usageRefill: { amount: 8, interval: 'WEEK' },
    });
  });

  it('may narrow each one', async () => {
    const creator = await parent({ allowedCidrs: ['127.0.0.0/8'], notBefore: past(), usageLimit: 10 });
    const later = new Date(Date.now() - 1000).toISOString();
    const { created, error } = await create(
      { allowedCidrs: ['127.0.0.1'], notBefore: later, usageLimit: 3 },
      { token: creator.secret },
    );
    expect(error).toBeNull();
    expect(created?.token).toMatchObject({ allowedCidrs: ['127.0.0.1'], notBefore: later, usageLimit: 3 });
  });

  it.each([
    ['allowedCidrs', { allowedCidrs: ['10.0.0.0/8'] }],
    ['allowedCidrs', { allowedCidrs: ['0.0.0.0/0'] }],
    ['notBefore', { notBefore: new Date(Date.now() - 3_600_000).toISOString() }],
    ['usageLimit', { usageLimit: 50 }],
    ['usageRefill', { usageLimit: 5, usageRefill: { amount: 5, interval: 'DAY' } }],
  ])('may not widen %s: INSUFFICIENT_SCOPE naming it, nothing created', async (field, input) => {
    const creator = await parent({ allowedCidrs: ['127.0.0.0/8'], notBefore: past(), usageLimit: 10 });
    const [before] = await server.sql<{ n: number }>('select count(*)::int as n from api_token');
    const { error } = await create(input, { token: creator.secret });
    expect(error?.extensions).toMatchObject({ code: 'INSUFFICIENT_SCOPE', field });
    expect(error?.message).toContain(field);
    const [after] = await server.sql<{ n: number }>('select count(*)::int as n from api_token');
    expect(after).toEqual(before);
  });

  it('REST /api/v1/api-tokens: the same rules (403 insufficient_scope)', async () => {
    const creator = await parent({ allowedCidrs: ['127.0.0.0/8'] });
    const response = await server.rest('/api/v1/api-tokens', {
      method: 'POST',
      token: creator.secret,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'wider', allowedCidrs: ['::/0'] }),
    });
    expect(response.status).toBe(403);
    expect(((await response.json()) as { error: string }).error).toBe('insufficient_scope');
  });
});

describe('tightenTokenRestrictions', () => {
  async function tighten(id: string, input: Record<string, unknown>) {
    const response = await server.gql<{ tightenTokenRestrictions: Token }>(
      TIGHTEN,
      { id, input },
      { cookie },
    );
    return {
      token: response.body.data?.tightenTokenRestrictions ?? null,
      error: response.body.errors?.[0] ?? null,
    };
  }

  async function restrictEvents(id: string) {
    return server.sql<{ detail: string }>(
      "select detail from audit_event where target_id = $1 and action = 'token.restrict' order by created_at",
      [id],
    );
  }

  async function whoami(secret: string) {
    const response = await server.rest('/api/cli/whoami', { token: secret });
    const body = (await response.json()) as { error?: string; token?: { usageRemaining?: number } };
    return { status: response.status, code: body.error ?? null, body };
  }

  it('narrows, adds, and each change is one token.restrict event naming the fields; the cache follows at once', async () => {
    const { token, secret } = await parent({ allowedCidrs: ['127.0.0.0/8', '10.0.0.0/8'], usageLimit: 10 });
    expect((await whoami(secret)).status).toBe(200);
    expect((await whoami(secret)).status).toBe(200);
    const narrowed = await tighten(token.id, { allowedCidrs: ['127.0.0.1'], usageLimit: 5 });
    expect(narrowed.error).toBeNull();
    expect(narrowed.token).toMatchObject({ allowedCidrs: ['127.0.0.1'], usageLimit: 5, usageRemaining: 5 });
    const later = new Date(Date.now() + 3_600_000).toISOString();
    const added = await tighten(token.id, { notBefore: later });
    expect(added.token?.notBefore).toBe(later);
    expect(await restrictEvents(token.id)).toEqual([
      { detail: 'allowedCidrs, usageLimit' },
      { detail: 'notBefore' },
    ]);
    // The cached entry was dropped: the very next request sees the notBefore.
    expect((await whoami(secret)).code).toBe('token_not_yet_valid');
  });

  it('fewer credits caps the credits left and the refill amount', async () => {
    const { token, secret } = await parent({
      usageLimit: 10,
      usageRefill: { amount: 10, interval: 'MONTH' },
    });
    for (let i = 0; i < 7; i++) expect((await whoami(secret)).status).toBe(200);
    const kept = await tighten(token.id, { usageLimit: 5 });
    expect(kept.token).toMatchObject({ usageLimit: 5, usageRemaining: 3, usageRefill: { amount: 5 } });
    const capped = await tighten(token.id, { usageLimit: 1 });
    expect(capped.token).toMatchObject({ usageLimit: 1, usageRemaining: 1, usageRefill: { amount: 1 } });
    expect((await whoami(secret)).status).toBe(200);
    expect((await whoami(secret)).code).toBe('usage_exhausted');
  });

  it('a token without credits gets them', async () => {
    const { token, secret } = await parent({});
    expect((await tighten(token.id, { usageLimit: 1 })).token).toMatchObject({
      usageLimit: 1,
      usageRemaining: 1,
    });
    expect((await whoami(secret)).status).toBe(200);
    expect((await whoami(secret)).code).toBe('usage_exhausted');
  });

  it.each([
    ['allowedCidrs', { allowedCidrs: ['127.0.0.0/8', '192.0.2.0/24'] }],
    ['allowedCidrs', { allowedCidrs: ['0.0.0.0/0'] }],
    ['notBefore', { notBefore: new Date(Date.now() - 3_600_000).toISOString() }],
    ['usageLimit', { usageLimit: 11 }],
  ])('loosening %s is VALIDATION_FAILED naming it, and changes nothing (no event)', async (field, input) => {
    const { token } = await parent({ allowedCidrs: ['127.0.0.0/8'], notBefore: past(), usageLimit: 10 });
    const before = await server.sql('select * from api_token where id = $1', [token.id]);
    const { error } = await tighten(token.id, input);
    expect(error?.extensions).toMatchObject({ code: 'VALIDATION_FAILED', field });
    expect(error?.message).toMatch(/only narrow/);
    expect(await server.sql('select * from api_token where id = $1', [token.id])).toEqual(before);
    expect(await restrictEvents(token.id)).toEqual([]);
  });

  it('the same values change nothing and write no event; another account token is not found', async () => {
    const { token } = await parent({ allowedCidrs: ['127.0.0.1'], usageLimit: 3 });
    expect((await tighten(token.id, { allowedCidrs: ['127.0.0.1'], usageLimit: 3 })).error).toBeNull();
    expect(await restrictEvents(token.id)).toEqual([]);
    const other = await server.seedAccount({ plan: 'team' });
    const otherCookie = await server.login(other.email, other.password);
    const response = await server.gql(
      TIGHTEN,
      { id: token.id, input: { usageLimit: 1 } },
      { cookie: otherCookie },
    );
    expect(response.body.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  });
});
