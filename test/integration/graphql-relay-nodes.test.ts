import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeGlobalId } from '../../server/src/graphql/opaque-id.js';
import { seedToken } from '../helpers/auth-matrix.js';
import { type GqlResponse, startTestServer, type TestServer } from '../helpers/harness.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

const NODE = `query($id: ID!) {
  node(id: $id) {
    __typename nodeId
    ... on Token { id name }
    ... on AuditEvent { id action targetId }
    ... on Viewer { id email }
  }
}`;
const NODES = `query($ids: [ID!]!) { nodes(ids: $ids) { __typename nodeId ... on Token { id } ... on Viewer { id } } }`;

type NodeData = { node: Record<string, unknown> | null };
const codeOf = (response: GqlResponse<unknown>) => response.body.errors?.[0]?.extensions?.code ?? null;

/** An account with one ALL token (the caller) and one READ_ONLY token (the target). */
async function seedOwner() {
  const seeded = await server.seedAccount();
  const caller = await seedToken(server, seeded.account, { name: 'caller' });
  const target = await seedToken(server, seeded.account, { name: 'target', preset: 'READ_ONLY' });
  return { ...seeded, caller, target };
}

async function nodeIdOf(query: string, variables: Record<string, unknown>, secret: string): Promise<string> {
  const response = await server.gql<Record<string, { nodeId: string }>>(query, variables, { token: secret });
  expect(response.body.errors).toBeUndefined();
  return Object.values(response.body.data ?? {})[0]!.nodeId;
}

describe('Relay nodes', () => {
  it('node: a token, an audit event and the viewer come back by their opaque nodeId; `id` stays the UUID', async () => {
    const owner = await seedOwner();
    const tokenNodeId = await nodeIdOf(
      'query($id: ID!) { token(id: $id) { nodeId } }',
      { id: owner.target.id },
      owner.caller.secret,
    );
    const viewerNodeId = await nodeIdOf('{ viewer { nodeId } }', {}, owner.caller.secret);
    const events = await server.gql<{ auditEvents: { edges: { node: { id: string; nodeId: string } }[] } }>(
      'query($id: ID) { auditEvents(tokenId: $id) { edges { node { id nodeId } } } }',
      { id: owner.target.id },
      { token: owner.caller.secret },
    );
    const event = events.body.data!.auditEvents.edges[0]!.node;

    for (const nodeId of [tokenNodeId, viewerNodeId, event.nodeId]) {
      // Opaque: neither the UUID nor the type name can be read off it.
      expect(nodeId).toMatch(/^[A-Za-z0-9_-]+$/);
      expect(nodeId).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}/i);
      expect(nodeId).not.toMatch(/Token|Viewer|AuditEvent/);
    }
    const as = { token: owner.caller.secret };
    expect((await server.gql<NodeData>(NODE, { id: tokenNodeId }, as)).body).toEqual({
      data: { node: { __typename: 'Token', nodeId: tokenNodeId, id: owner.target.id, name: 'target' } },
    });
    expect((await server.gql<NodeData>(NODE, { id: viewerNodeId }, as)).body).toEqual({
      data: {
        node: { __typename: 'Viewer', nodeId: viewerNodeId, id: owner.account.id, email: owner.email },
      },
    });
    expect((await server.gql<NodeData>(NODE, { id: event.nodeId }, as)).body).toEqual({
      data: {
        node: {
          __typename: 'AuditEvent',
          nodeId: event.nodeId,
          id: event.id,
          action: 'token.create',
          targetId: owner.target.id,
        },
      },
    });
  });

  it("node: another account's token, audit event or viewer, an unknown id and malformed ids all answer null", async () => {
    const owner = await seedOwner();
    const other = await seedOwner();
    const [theirEvent] = await server.sql<{ id: string }>(
      'select id from audit_event where account_id = $1 limit 1',
      [other.account.id],
    );
    const ids = [
      encodeGlobalId('Token', other.target.id),
      encodeGlobalId('AuditEvent', theirEvent!.id),
      encodeGlobalId('Viewer', other.account.id),
      encodeGlobalId('Token', randomUUID()),
      encodeGlobalId('Account', owner.account.id),
      encodeGlobalId('Token', 'not-a-uuid'),
      owner.target.id,
      Buffer.from(`Token:${owner.target.id}`).toString('base64'),
      'not base64 at all!',
      '',
    ];
    for (const id of ids) {
      const response = await server.gql(NODE, { id }, { token: owner.caller.secret });
      expect(response.status, id).toBe(200);
      expect(response.body, id).toEqual({ data: { node: null } });
    }
    const listed = await server.gql(NODES, { ids }, { token: owner.caller.secret });
    expect(listed.body).toEqual({ data: { nodes: ids.map(() => null) } });
  });

  it('node: a session sees its own token and viewer, like token(id) and viewer', async () => {
    const owner = await seedOwner();
    const cookie = await server.login(owner.email, owner.password);
    const response = await server.gql(
      NODES,
      { ids: [encodeGlobalId('Token', owner.target.id), encodeGlobalId('Viewer', owner.account.id)] },
      { cookie },
    );
    expect(response.body).toEqual({
      data: {
        nodes: [
          { __typename: 'Token', nodeId: encodeGlobalId('Token', owner.target.id), id: owner.target.id },
          { __typename: 'Viewer', nodeId: encodeGlobalId('Viewer', owner.account.id), id: owner.account.id },
        ],
      },
    });
  });

  it.each([
    ['Token', 'tokens:read'],
    ['AuditEvent', 'audit:read'],
    ['Viewer', 'account:read'],
  ])(
    'node: a %s needs %s, like its own query field (INSUFFICIENT_SCOPE naming it)',
    async (typename, permission) => {
      const owner = await seedOwner();
      const [event] = await server.sql<{ id: string }>(
        'select id from audit_event where account_id = $1 limit 1',
        [owner.account.id],
      );
      const rawId = { Token: owner.target.id, AuditEvent: event!.id, Viewer: owner.account.id }[typename]!;
      const everythingElse = await seedToken(server, owner.account, {
        preset: 'CUSTOM',
        permissions: ['account:read', 'audit:read', 'tokens:read'].filter((p) => p !== permission),
      });
      const holding = await seedToken(server, owner.account, { preset: 'CUSTOM', permissions: [permission] });
      const id = encodeGlobalId(typename, rawId);

      const denied = await server.gql(NODE, { id }, { token: everythingElse.secret });
      expect(codeOf(denied)).toBe('INSUFFICIENT_SCOPE');
      expect(denied.body.errors?.[0]?.message).toContain(permission);
      expect(denied.body.data).toEqual({ node: null });

      const allowed = await server.gql<NodeData>(NODE, { id }, { token: holding.secret });
      expect(allowed.body.errors).toBeUndefined();
      expect(allowed.body.data?.node).toMatchObject({ __typename: typename, id: rawId });
    },
  );

  it('nodes: a permission error takes the place of its own entries only', async () => {
    const owner = await seedOwner();
    const tokensOnly = await seedToken(server, owner.account, {
      preset: 'CUSTOM',
      permissions: ['tokens:read'],
    });
    const response = await server.gql(
      NODES,
      { ids: [encodeGlobalId('Token', owner.target.id), encodeGlobalId('Viewer', owner.account.id)] },
      { token: tokensOnly.secret },
    );
    expect(response.body.data).toEqual({
      nodes: [
        { __typename: 'Token', nodeId: encodeGlobalId('Token', owner.target.id), id: owner.target.id },
        null,
      ],
    });
    expect(response.body.errors).toHaveLength(1);
    expect(response.body.errors?.[0]).toMatchObject({
      path: ['nodes', 1],
      extensions: { code: 'INSUFFICIENT_SCOPE' },
    });
  });

  it('node and nodes: anonymous callers are UNAUTHENTICATED, as for token(id)', async () => {
    const owner = await seedOwner();
    const id = encodeGlobalId('Token', owner.target.id);
    expect(codeOf(await server.gql(NODE, { id }))).toBe('UNAUTHENTICATED');
    expect(codeOf(await server.gql(NODES, { ids: [id] }))).toBe('UNAUTHENTICATED');
  });

  it('nodes: more than 100 ids is VALIDATION_FAILED on ids', async () => {
    const owner = await seedOwner();
    const ids = Array.from({ length: 101 }, () => encodeGlobalId('Token', randomUUID()));
    const response = await server.gql(NODES, { ids }, { token: owner.caller.secret });
    expect(codeOf(response)).toBe('VALIDATION_FAILED');
    expect(response.body.errors?.[0]?.extensions?.field).toBe('ids');
  });
});
