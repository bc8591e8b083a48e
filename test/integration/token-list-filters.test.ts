/**
 * The token list's filters, search and orders (GraphQL `tokens(statuses, search, orderBy)`):
 * what the admin app's list shows, paged with the same cursors whatever the order.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedToken } from '../helpers/auth-matrix.js';
import { startTestServer, type TestServer } from '../helpers/harness.js';

const LIST = `query($statuses: [TokenStatus!], $status: TokenStatus, $search: String, $orderBy: TokenOrder, $first: Int, $after: String) {
  tokens(statuses: $statuses, status: $status, search: $search, orderBy: $orderBy, first: $first, after: $after) {
    edges { node { name status } }
    pageInfo { hasNextPage endCursor }
  }
}`;

type Page = {
  tokens: {
    edges: { node: { name: string; status: string } }[];
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
  };
};

describe('token list filters, search and order', () => {
  let server: TestServer;
  let cookie: string;
  let otherCookie: string;
  const names: Record<string, string> = {};

  beforeAll(async () => {
    server = await startTestServer();
    const { account, email, password } = await server.seedAccount();
    cookie = await server.login(email, password);
    // Five tokens, one per state, created a minute apart (oldest first in this list).
    const plan = [
      { name: 'deploy-prod', state: 'active', lastUsed: '2026-01-03', expires: '2099-01-01' },
      { name: 'deploy_staging', state: 'inactive', lastUsed: '2026-01-05', expires: null },
      { name: 'ci-reader', state: 'expired', lastUsed: null, expires: '2020-01-01' },
      { name: 'old-laptop', state: 'revoked', lastUsed: '2026-01-01', expires: '2098-01-01' },
      { name: '100% cotton', state: 'active', lastUsed: null, expires: '2097-01-01' },
    ] as const;
    for (const [index, token] of plan.entries()) {
      const seeded = await seedToken(server, account, { name: token.name, preset: 'READ_ONLY' });
      const [row] = await server.sql<{ display_prefix: string }>(
        `update api_token set created_at = now() - make_interval(mins => $2), last_used_at = $3::timestamptz,
           expires_at = $4::timestamptz, active = $5, revoked_at = case when $6 then now() end
         where id = $1 returning display_prefix`,
        [
          seeded.id,
          10 - index,
          token.lastUsed,
          token.expires,
          token.state !== 'inactive',
          token.state === 'revoked',
        ],
      );
      names[token.name] = row?.display_prefix ?? '';
    }
    const other = await server.seedAccount();
    await seedToken(server, other.account, { name: 'deploy-elsewhere' });
    otherCookie = await server.login(other.email, other.password);
  });
  afterAll(() => server.close());

  async function list(variables: Record<string, unknown>, as = cookie) {
    const answer = await server.gql<Page>(LIST, variables, { cookie: as });
    return answer;
  }

  async function namesOf(variables: Record<string, unknown>, as = cookie): Promise<string[]> {
    const answer = await list(variables, as);
    expect(answer.body.errors).toBeUndefined();
    return answer.body.data?.tokens.edges.map((edge) => edge.node.name) ?? [];
  }

  it('statuses keeps any of the given states; none given lists every token', async () => {
    expect(await namesOf({ statuses: ['ACTIVE', 'INACTIVE'] })).toEqual([
      '100% cotton',
      'deploy_staging',
      'deploy-prod',
    ]);
    expect(await namesOf({ statuses: ['EXPIRED', 'REVOKED'] })).toEqual(['old-laptop', 'ci-reader']);
    expect(await namesOf({ status: 'REVOKED' })).toEqual(['old-laptop']);
    expect(await namesOf({})).toHaveLength(5);
  });

  it('search matches part of the name or the start of the display prefix, case-insensitively, wildcards literal', async () => {
    expect(await namesOf({ search: 'DEPLOY' })).toEqual(['deploy_staging', 'deploy-prod']);
    // `_` and `%` are letters here, not LIKE wildcards.
    expect(await namesOf({ search: 'deploy_' })).toEqual(['deploy_staging']);
    expect(await namesOf({ search: '100%' })).toEqual(['100% cotton']);
    expect(await namesOf({ search: '%' })).toEqual(['100% cotton']);
    const prefix = names['ci-reader'] ?? '';
    expect(await namesOf({ search: prefix })).toEqual(['ci-reader']);
    expect(await namesOf({ search: '  reader ' })).toEqual(['ci-reader']);
    // Another account's token never matches.
    expect(await namesOf({ search: 'elsewhere' })).toEqual([]);
    expect(await namesOf({ search: 'deploy' }, otherCookie)).toEqual(['deploy-elsewhere']);
  });

  it('orders by created, last used (never used last) and expiry (never expiring last), paging with cursors', async () => {
    const all = async (orderBy: string) => {
      const seen: string[] = [];
      let after: string | null = null;
      for (;;) {
        const answer = await list({ orderBy, first: 2, after });
        expect(answer.body.errors).toBeUndefined();
        const page = answer.body.data?.tokens;
        seen.push(...(page?.edges.map((edge) => edge.node.name) ?? []));
        if (!page?.pageInfo.hasNextPage) return seen;
        after = page.pageInfo.endCursor;
      }
    };
    expect(await all('CREATED_DESC')).toEqual([
      '100% cotton',
      'old-laptop',
      'ci-reader',
      'deploy_staging',
      'deploy-prod',
    ]);
    expect(await all('CREATED_ASC')).toEqual([
      'deploy-prod',
      'deploy_staging',
      'ci-reader',
      'old-laptop',
      '100% cotton',
    ]);
    expect((await all('LAST_USED_DESC')).slice(0, 3)).toEqual([
      'deploy_staging',
      'deploy-prod',
      'old-laptop',
    ]);
    expect(await all('EXPIRES_ASC')).toEqual([
      'ci-reader',
      '100% cotton',
      'old-laptop',
      'deploy-prod',
      'deploy_staging',
    ]);
  });

  it('refuses status with statuses, an over-long search and an unknown order, changing nothing', async () => {
    const both = await list({ status: 'ACTIVE', statuses: ['ACTIVE'] });
    expect(both.body.errors?.[0]?.extensions).toMatchObject({ code: 'VALIDATION_FAILED', field: 'statuses' });
    const long = await list({ search: 'x'.repeat(101) });
    expect(long.body.errors?.[0]?.extensions).toMatchObject({ code: 'VALIDATION_FAILED', field: 'search' });
    const unknown = await list({ orderBy: 'NAME' });
    expect(unknown.body.errors?.[0]?.message).toContain('TokenOrder');
  });
});
