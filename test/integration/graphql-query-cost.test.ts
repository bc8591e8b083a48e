import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { documentText } from '../../cli/src/graphql.js';
import { PAGE_SIZE as CLI_PAGE_SIZE, LIST_TOKENS } from '../../cli/src/tokens-api.js';
import { seedToken } from '../helpers/auth-matrix.js';
import { type GqlOptions, type GqlResponse, startTestServer, type TestServer } from '../helpers/harness.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

/**
 * The web app's own query modules, loaded as the browser build has them. The path is computed so
 * the Node typecheck does not follow it into the web app's bundler-style imports.
 */
async function webModule(file: string): Promise<Record<string, unknown>> {
  return (await import(pathToFileURL(path.resolve('web/src/features', file)).href)) as Record<
    string,
    unknown
  >;
}

type AppQuery = { queryFn: (context: { pageParam?: unknown }) => Promise<unknown> };

/**
 * Runs one of the app's queries (its real document and variables, page size included) against
 * the test server, as the browser would: the app's `fetch('/graphql')` goes to the server with
 * the session cookie.
 */
async function runAppQuery(query: AppQuery, cookie: string): Promise<void> {
  const browserFetch = globalThis.fetch;
  const sent: { status: number; body: { errors?: unknown } }[] = [];
  globalThis.fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const headers = new Headers(init?.headers);
    headers.set('cookie', cookie);
    const response = await browserFetch(new URL(String(input), server.url), { ...init, headers });
    sent.push({ status: response.status, body: await response.clone().json() });
    return response;
  }) as typeof fetch;
  try {
    await query.queryFn({ pageParam: null });
  } finally {
    globalThis.fetch = browserFetch;
  }
  expect(sent).toHaveLength(1);
  expect(sent[0]?.body.errors).toBeUndefined();
  expect(sent[0]?.status).toBe(200);
}

const EXPENSIVE = '{ tokens(first: 100) { edges { node { id usage(days: 366) { date count } } } } }';

async function seedOwner() {
  const seeded = await server.seedAccount();
  const token = await seedToken(server, seeded.account, { name: 'reader' });
  return { ...seeded, token };
}

function expectTooComplex(response: GqlResponse<unknown>) {
  expect(response.status).toBe(400);
  expect(response.body.data ?? null).toBeNull();
  expect(response.body.errors?.[0]?.extensions?.code).toBe('QUERY_TOO_COMPLEX');
  expect(response.body.errors?.[0]?.message).toMatch(/costs \d+, more than the limit of 20000/);
}

describe('query cost', () => {
  it("the web app's largest pages pass: the tokens table, token detail, 90 days of usage, audit lists and their token filter", async () => {
    const owner = await seedOwner();
    const cookie = await server.login(owner.email, owner.password);
    const tokens = await webModule('tokens/tokens.operations.ts');
    const usage = await webModule('tokens/usage.operations.ts');
    type AuditFilter = { tokenId?: string; action?: string };
    const listSearch = await webModule('tokens/token-list-search.ts');
    const audit = await webModule('audit/audit.operations.ts');
    // The tokens table as a bookmarked URL can ask for it: every status, a search and a sort.
    const filter = (listSearch.listFilter as (search: Record<string, string>) => unknown)({
      status: 'active,inactive,expired,revoked',
      q: 'kw_',
      sort: 'expires',
    });
    const queries = [
      (tokens.tokensQuery as (filter: unknown) => AppQuery)(filter),
      (tokens.tokenQuery as (id: string) => AppQuery)(owner.token.id),
      (usage.tokenUsageQuery as (id: string, days: number) => AppQuery)(owner.token.id, 90),
      (audit.auditEventsQuery as (filter: AuditFilter) => AppQuery)({}),
      (audit.auditEventsQuery as (filter: AuditFilter) => AppQuery)({
        tokenId: owner.token.id,
        action: 'token.*',
      }),
      audit.tokenChoicesQuery as AppQuery,
    ];
    for (const query of queries) await runAppQuery(query, cookie);
  });

  it("the CLI's token list (100 per page) passes", async () => {
    const owner = await seedOwner();
    const response = await server.gql(
      documentText(LIST_TOKENS),
      { first: CLI_PAGE_SIZE, after: null },
      { token: owner.token.secret },
    );
    expect(response.body.errors).toBeUndefined();
  });

  it.each<[string, (owner: Awaited<ReturnType<typeof seedOwner>>, cookie: string) => GqlOptions]>([
    ['a bearer token', (owner) => ({ token: owner.token.secret })],
    ['a session', (_owner, cookie) => ({ cookie })],
    [
      'a client asking for application/graphql-response+json',
      (owner) => ({ token: owner.token.secret, headers: { accept: 'application/graphql-response+json' } }),
    ],
  ])('100 tokens × 366 days of usage is refused with 400 QUERY_TOO_COMPLEX (%s)', async (_label, as) => {
    const owner = await seedOwner();
    const cookie = await server.login(owner.email, owner.password);
    expectTooComplex(await server.gql(EXPENSIVE, {}, as(owner, cookie)));
  });

  it('cost multiplies by first and days: the same query with 10 tokens and 30 days passes', async () => {
    const owner = await seedOwner();
    const response = await server.gql(
      '{ tokens(first: 10) { edges { node { id usage(days: 30) { date count } } } } }',
      {},
      { token: owner.token.secret },
    );
    expect(response.body.errors).toBeUndefined();
  });

  it('variables count like literals, and the default page of 20 counts as 20', async () => {
    const owner = await seedOwner();
    const query =
      'query($first: Int, $days: Int) { tokens(first: $first) { edges { node { usage(days: $days) { date } } } } }';
    expectTooComplex(await server.gql(query, { first: 100, days: 366 }, { token: owner.token.secret }));
    // 20 tokens × 366 days × 1 field is about 7,400: under the limit.
    const byDefault = await server.gql(query, { days: 366 }, { token: owner.token.secret });
    expect(byDefault.body.errors).toBeUndefined();
  });
});
