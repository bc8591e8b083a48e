import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queriesDuring, seedToken } from '../helpers/auth-matrix.js';
import { startTestServer, type TestServer } from '../helpers/harness.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

type Actor = { type: string; id: string | null; name: string | null };
type Events = { auditEvents: { edges: { node: { actor: Actor } }[] } };

const EVENTS =
  'query($first: Int) { auditEvents(first: $first) { edges { node { actor { type id name } } } } }';

/**
 * An account whose newest audit events each name a different one of its tokens as the actor,
 * plus one event by another account's token (which must stay nameless).
 */
async function seedHistory(actors: number) {
  const seeded = await server.seedAccount({ name: 'Owner' });
  const other = await server.seedAccount();
  const foreign = await seedToken(server, other.account, { name: 'foreign' });
  const tokens = [];
  for (let index = 0; index < actors; index++)
    tokens.push(await seedToken(server, seeded.account, { name: `actor ${index}` }));
  const rows = [...tokens.map((token) => token.id), foreign.id];
  for (const [index, actorId] of rows.entries()) {
    await server.sql(
      `insert into audit_event (id, action, actor_type, actor_id, account_id, target_id, created_at)
       values ($1, 'token.update', 'token', $2, $3, $2, now() + ($4 || ' seconds')::interval)`,
      [randomUUID(), actorId, seeded.account.id, String(index + 1)],
    );
  }
  const cookie = await server.login(seeded.email, seeded.password);
  return { ...seeded, cookie, tokens, foreign };
}

const selects = (queries: string[]) => queries.filter((query) => /^\s*select/i.test(query));

describe('AuditActor.name', () => {
  it('a page of 20 events names its actors with the same number of SELECTs as a page of 2', async () => {
    const history = await seedHistory(20);
    const run = (first: number) =>
      queriesDuring(server, () => server.gql<Events>(EVENTS, { first }, { cookie: history.cookie }));

    const small = await run(2);
    const large = await run(20);
    expect(large.result.body.errors).toBeUndefined();
    expect(large.result.body.data?.auditEvents.edges).toHaveLength(20);
    expect(selects(large.queries).length).toBe(selects(small.queries).length);
    // Session, page ids, page rows, token names: a constant, whatever the page size.
    expect(selects(large.queries).length).toBeLessThanOrEqual(5);
    expect(large.queries.filter((query) => /from "api_token"/.test(query))).toHaveLength(1);
  });

  it("names the caller's own tokens and account, and never another account's token", async () => {
    const history = await seedHistory(3);
    const response = await server.gql<Events>(EVENTS, { first: 100 }, { cookie: history.cookie });
    expect(response.body.errors).toBeUndefined();
    const actors = response.body.data!.auditEvents.edges.map((edge) => edge.node.actor);
    expect(actors.slice(0, 4)).toEqual([
      { type: 'token', id: history.foreign.id, name: null },
      { type: 'token', id: history.tokens[2]!.id, name: 'actor 2' },
      { type: 'token', id: history.tokens[1]!.id, name: 'actor 1' },
      { type: 'token', id: history.tokens[0]!.id, name: 'actor 0' },
    ]);
    // The token.create events and the login are the account's own doing.
    expect(actors.slice(4)).toEqual(
      [...history.tokens, 'login'].map(() => ({ type: 'account', id: history.account.id, name: 'Owner' })),
    );
  });
});

type Targeted = {
  auditEvents: {
    edges: {
      node: { action: string; target: { type: string; id: string | null; name: string | null } | null };
    }[];
  };
};
const TARGETED = `query($action: String, $tokenId: ID) {
  auditEvents(action: $action, tokenId: $tokenId, first: 50) { edges { node { action target { type id name } } } }
}`;

describe('AuditEvent.target and the action filter', () => {
  it('names the target token or account as the caller may see it, and filters by action or resource', async () => {
    const history = await seedHistory(2);
    const [first, second] = history.tokens;
    const revoked = await server.gql(
      'mutation($id: ID!) { revokeToken(id: $id) { id } }',
      { id: first?.id },
      { cookie: history.cookie },
    );
    expect(revoked.body.errors).toBeUndefined();
    await server.gql(
      'mutation { updateAccount(input: { name: "Owner Renamed" }) { id } }',
      {},
      {
        cookie: history.cookie,
      },
    );

    const list = async (variables: Record<string, unknown>) => {
      const answer = await server.gql<Targeted>(TARGETED, variables, { cookie: history.cookie });
      expect(answer.body.errors).toBeUndefined();
      return answer.body.data?.auditEvents.edges.map((edge) => edge.node) ?? [];
    };

    const revokes = await list({ action: 'token.revoke' });
    expect(revokes).toEqual([
      { action: 'token.revoke', target: { type: 'token', id: first?.id, name: 'actor 0' } },
    ]);
    const tokenEvents = await list({ action: 'token.*' });
    expect(tokenEvents.length).toBeGreaterThanOrEqual(4);
    expect(tokenEvents.every((event) => event.action.startsWith('token.'))).toBe(true);
    // The seeded event by another account's token targets that token: no name for this viewer.
    expect(
      tokenEvents.some((event) => event.target?.id === history.foreign.id && event.target.name === null),
    ).toBe(true);
    const accountEvents = await list({ action: 'account.update' });
    expect(accountEvents).toEqual([
      {
        action: 'account.update',
        target: { type: 'account', id: history.account.id, name: 'Owner Renamed' },
      },
    ]);
    // Both filters at once: about one token and of one action.
    expect(await list({ action: 'token.update', tokenId: second?.id })).toEqual([
      { action: 'token.update', target: { type: 'token', id: second?.id, name: 'actor 1' } },
    ]);
    expect(await list({ action: 'session.nothing' })).toEqual([]);
  });

  it('refuses a malformed action filter with VALIDATION_FAILED on action', async () => {
    const history = await seedHistory(0);
    for (const action of ['', 'token', 'token.', '*', "token.revoke' or 1=1", 'TOKEN.REVOKE', 'token.*.*']) {
      const answer = await server.gql(TARGETED, { action }, { cookie: history.cookie });
      expect(answer.body.errors?.[0]?.extensions, action).toMatchObject({
        code: 'VALIDATION_FAILED',
        field: 'action',
      });
    }
  });
});
