/**
 * One edge, one outcome: the same credential gets the same answer on GraphQL and REST, and every
 * use of a token counts once, by outcome (allowed, denied, rate-limited).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedToken } from '../helpers/auth-matrix.js';
import { startTestServer, type TestServer } from '../helpers/harness.js';

describe('edge parity', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close());

  it('an unverified session may not revoke on either surface: EMAIL_NOT_VERIFIED / email_not_verified, and nothing changes', async () => {
    const { account, email, password } = await server.seedAccount();
    const token = await seedToken(server, account, { preset: 'READ_ONLY' });
    await server.sql('update account set email_verified = false where id = $1', [account.id]);
    const cookie = await server.login(email, password);

    const graphql = await server.gql(
      'mutation($id: ID!) { revokeToken(id: $id) { id } }',
      { id: token.id },
      { cookie },
    );
    expect(graphql.body.errors?.[0]?.extensions?.code).toBe('EMAIL_NOT_VERIFIED');
    const rest = await server.rest(`/api/tokens/${token.id}`, { method: 'DELETE', cookie });
    expect(rest.status).toBe(403);
    expect((await rest.json()).error).toBe('email_not_verified');
    const [row] = await server.sql<{ revoked_at: Date | null }>(
      'select revoked_at from api_token where id = $1',
      [token.id],
    );
    expect(row?.revoked_at).toBeNull();
  });

  it('a token without tokens:read is refused on both surfaces with the missing permission named', async () => {
    const { account } = await server.seedAccount();
    const token = await seedToken(server, account, { preset: 'CUSTOM', permissions: ['account:read'] });
    const graphql = await server.gql('{ tokens { edges { node { id } } } }', {}, { token: token.secret });
    expect(graphql.body.errors?.[0]?.extensions?.code).toBe('INSUFFICIENT_SCOPE');
    expect(graphql.body.errors?.[0]?.message).toContain('tokens:read');
    const rest = await server.rest('/api/cli/button', { token: token.secret });
    expect(rest.status).toBe(403);
    const body = await rest.json();
    expect(body.error).toBe('insufficient_scope');
    expect(body.message).toContain('components:read');
  });

  it('usage counts answered requests as allowed and refusals by the limiter as rate-limited', async () => {
    const { account } = await server.seedAccount();
    const token = await seedToken(server, account, { preset: 'ALL', rateLimitPerMinute: 2 });
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      const response = await server.rest('/api/cli/whoami', { token: token.secret });
      statuses.push(response.status);
      await response.arrayBuffer();
    }
    for (let i = 0; i < 2; i++) {
      const response = await server.gql('{ viewer { id } }', {}, { token: token.secret });
      statuses.push(response.status);
    }
    expect(statuses).toEqual([200, 200, 429, 429, 429, 429, 429]);
    expect(await usageOf(token.id)).toEqual({ allowed: 2, denied: 0, rateLimited: 5 });
  });

  it('a refused permission counts as denied, once per request, on REST and GraphQL alike', async () => {
    const { account, email, password } = await server.seedAccount();
    const token = await seedToken(server, account, { preset: 'CUSTOM', permissions: ['account:read'] });
    await (await server.rest('/api/cli/whoami', { token: token.secret })).arrayBuffer();
    const rest = await server.rest('/api/cli/button', { token: token.secret });
    expect(rest.status).toBe(403);
    await rest.arrayBuffer();
    // Two refused fields in one operation are one denied request.
    const graphql = await server.gql(
      '{ a: tokens { edges { node { id } } } b: tokens { edges { node { id } } } }',
      {},
      { token: token.secret },
    );
    expect(graphql.body.errors?.[0]?.extensions?.code).toBe('INSUFFICIENT_SCOPE');
    const read = await server.gql('{ viewer { id } }', {}, { token: token.secret });
    expect(read.body.errors).toBeUndefined();
    expect(await usageOf(token.id)).toEqual({ allowed: 2, denied: 2, rateLimited: 0 });

    type Day = { count: number; allowed: number; denied: number; rateLimited: number };
    const answer = await server.gql<{ token: { usage: Day[] } }>(
      'query($id: ID!) { token(id: $id) { usage(days: 7) { date count allowed denied rateLimited } } }',
      { id: token.id },
      { cookie: await server.login(email, password) },
    );
    const days = answer.body.data?.token.usage;
    expect(days).toHaveLength(7);
    expect(days?.at(-1)).toMatchObject({ count: 2, allowed: 2, denied: 2, rateLimited: 0 });
  });

  async function usageOf(tokenId: string) {
    await server.keyward.services.usage.flush();
    const [usage] = await server.sql<{ allowed: number; denied: number; rateLimited: number }>(
      `select coalesce(sum(count), 0)::int as allowed, coalesce(sum(denied), 0)::int as denied,
              coalesce(sum(rate_limited), 0)::int as "rateLimited"
       from token_usage_day where token_id = $1`,
      [tokenId],
    );
    return usage;
  }
});
