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

type Operation = { document: string };

/**
 * The web app's own operations, loaded as the browser build has them. The path is computed so the
 * Node typecheck does not follow it into the web app's bundler-style imports.
 */
async function webOperations(feature: string): Promise<Record<string, Operation>> {
  const file = path.resolve('web/src/features', feature, `${feature}.operations.ts`);
  return (await import(pathToFileURL(file).href)) as Record<string, Operation>;
}

// The page sizes the web app asks for (tokens-page.tsx, audit-list.tsx).
const WEB_TOKENS_PAGE = 50;
const WEB_AUDIT_PAGE = 20;

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
  it("the web app's largest pages pass: tokens (50), token detail with 30 days of usage, audit list", async () => {
    const owner = await seedOwner();
    const cookie = await server.login(owner.email, owner.password);
    const tokens = await webOperations('tokens');
    const audit = await webOperations('audit');
    const calls: [Operation, Record<string, unknown>][] = [
      [tokens.tokensQuery!, { first: WEB_TOKENS_PAGE, after: null }],
      [tokens.tokenQuery!, { id: owner.token.id }],
      [audit.auditEventsQuery!, { tokenId: null, first: WEB_AUDIT_PAGE, after: null }],
      [audit.auditEventsQuery!, { tokenId: owner.token.id, first: WEB_AUDIT_PAGE, after: null }],
    ];
    for (const [operation, variables] of calls) {
      const response = await server.gql(operation.document, variables, { cookie });
      expect(response.body.errors, operation.document).toBeUndefined();
      expect(response.status).toBe(200);
    }
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
