import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeCursor } from '../../server/src/graphql/opaque-id.js';
import { seedToken } from '../helpers/auth-matrix.js';
import { type GqlResponse, startTestServer, type TestServer } from '../helpers/harness.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

type Page = {
  edges: { cursor: string; node: { id: string } }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
};

const CONNECTIONS = {
  tokens: 'query($after: String, $first: Int) { list: tokens(first: $first, after: $after) { ...page } }',
  auditEvents:
    'query($after: String, $first: Int) { list: auditEvents(first: $first, after: $after) { ...page } }',
} as const;

function queryOf(connection: keyof typeof CONNECTIONS): string {
  const type = connection === 'tokens' ? 'TokenConnection' : 'AuditEventConnection';
  return `${CONNECTIONS[connection]}
    fragment page on ${type} { edges { cursor node { id } } pageInfo { hasNextPage endCursor } }`;
}

/** An account with five tokens (so five token.create events) and an ALL token to read them with. */
async function seedOwner() {
  const { account } = await server.seedAccount();
  for (let index = 0; index < 4; index++) await seedToken(server, account, { name: `t${index}` });
  const reader = await seedToken(server, account, { name: 'reader' });
  return { account, reader };
}

async function list(
  connection: keyof typeof CONNECTIONS,
  secret: string,
  variables: Record<string, unknown>,
) {
  return server.gql<{ list: Page }>(queryOf(connection), variables, { token: secret });
}

function expectInvalidAfter(response: GqlResponse<unknown>) {
  expect(response.body.data ?? null).toBeNull();
  expect(response.body.errors).toHaveLength(1);
  expect(response.body.errors?.[0]?.extensions).toMatchObject({ code: 'VALIDATION_FAILED', field: 'after' });
}

describe.each(['tokens', 'auditEvents'] as const)('%s cursors', (connection) => {
  const kind = connection === 'tokens' ? 'tokens' : 'audit-events';
  const other = connection === 'tokens' ? 'audit-events' : 'tokens';

  it(`${connection}: cursors are opaque, and first:2 with after:endCursor walks every item once`, async () => {
    const { reader } = await seedOwner();
    const everything = await list(connection, reader.secret, { first: 100 });
    const all = everything.body.data!.list.edges.map((edge) => edge.node.id);
    expect(all).toHaveLength(5);
    const seen: string[] = [];
    let after: string | null = null;
    for (let pages = 0; pages < 10; pages++) {
      const page = await list(connection, reader.secret, { first: 2, after });
      expect(page.body.errors).toBeUndefined();
      const { edges, pageInfo } = page.body.data!.list;
      for (const edge of edges) {
        expect(edge.cursor).toMatch(/^[A-Za-z0-9_-]+$/);
        expect(edge.cursor).not.toContain(edge.node.id);
        expect(Buffer.from(edge.cursor, 'base64url').toString()).not.toBe(edge.node.id);
      }
      expect(pageInfo.endCursor).toBe(edges.at(-1)?.cursor ?? null);
      seen.push(...edges.map((edge) => edge.node.id));
      if (!pageInfo.hasNextPage) break;
      after = pageInfo.endCursor;
    }
    expect(seen).toEqual(all);
  });

  it(`${connection}: a malformed, raw-id, foreign-connection or unknown after is VALIDATION_FAILED on after`, async () => {
    const { reader } = await seedOwner();
    const first = await list(connection, reader.secret, { first: 1 });
    const [ownId] = first.body.data!.list.edges.map((edge) => edge.node.id);
    const cursors = [
      'not-a-cursor',
      '',
      ownId!,
      encodeCursor(other, ownId!),
      encodeCursor(kind, randomUUID()),
      `${first.body.data!.list.pageInfo.endCursor}=`,
    ];
    for (const after of cursors) expectInvalidAfter(await list(connection, reader.secret, { after }));
  });

  it(`${connection}: another account's cursor answers exactly like an unknown one`, async () => {
    const mine = await seedOwner();
    const theirs = await seedOwner();
    const theirPage = await list(connection, theirs.reader.secret, { first: 1 });
    const theirCursor = theirPage.body.data!.list.pageInfo.endCursor!;
    const foreign = await list(connection, mine.reader.secret, { after: theirCursor });
    const unknown = await list(connection, mine.reader.secret, { after: encodeCursor(kind, randomUUID()) });
    expectInvalidAfter(foreign);
    expect(foreign.body).toEqual(unknown.body);
  });

  it(`${connection}: the last item's cursor is valid and answers an empty final page`, async () => {
    const { reader } = await seedOwner();
    const all = await list(connection, reader.secret, { first: 100 });
    const last = all.body.data!.list.pageInfo.endCursor;
    const after = await list(connection, reader.secret, { after: last });
    expect(after.body).toEqual({
      data: { list: { edges: [], pageInfo: { hasNextPage: false, endCursor: null } } },
    });
  });
});
