import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GqlResponse, startTestServer, type TestServer } from '../helpers/harness.js';
import { jsonRequest } from '../helpers/rest.js';

interface Created {
  secret: string;
  token: { id: string; rateLimitPerMinute: number };
}
type CreateData = { createToken: Created };

const CREATE = `mutation($input: CreateTokenInput!) {
  createToken(input: $input) { secret token { id rateLimitPerMinute } } }`;
const REVOKE = 'mutation($id: ID!) { revokeToken(id: $id) { id status } }';
const CHILDREN = 'query($id: ID!) { token(id: $id) { id children { id name createdBy status } } }';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

/** A pro account: its tokens create and revoke tokens (a free account's API tokens only read). */
async function owner(): Promise<{ id: string; cookie: string }> {
  const seeded = await server.seedAccount({ plan: 'pro' });
  return { id: seeded.account.id, cookie: await server.login(seeded.email, seeded.password) };
}

function create(
  credential: { cookie: string } | { token: string },
  input: Record<string, unknown>,
): Promise<GqlResponse<CreateData>> {
  return server.gql<CreateData>(CREATE, { input: { name: 'token', preset: 'ALL', ...input } }, credential);
}

async function created(
  credential: { cookie: string } | { token: string },
  input: Record<string, unknown>,
): Promise<Created> {
  const response = await create(credential, input);
  const payload = response.body.data?.createToken;
  if (!payload) throw new Error(`createToken failed: ${JSON.stringify(response.body)}`);
  return payload;
}

async function whoami(secret: string): Promise<number> {
  return (await server.rest('/api/cli/whoami', { token: secret })).status;
}

describe('a token never outgrows the token that created it: rate', () => {
  it('createToken by bearer: a child asking for more than its creator’s rate is INSUFFICIENT_SCOPE; without one it gets the creator’s', async () => {
    const me = await owner();
    const parent = await created(me, { name: 'parent', rateLimitPerMinute: 5 });
    const greedy = await create({ token: parent.secret }, { name: 'greedy', rateLimitPerMinute: 10_000 });
    expect(greedy.body.errors?.[0]?.extensions?.code).toBe('INSUFFICIENT_SCOPE');
    expect(greedy.body.errors?.[0]?.message).toMatch(/rateLimitPerMinute/);
    const equal = await created({ token: parent.secret }, { name: 'equal', rateLimitPerMinute: 5 });
    expect(equal.token.rateLimitPerMinute).toBe(5);
    const unspecified = await created({ token: parent.secret }, { name: 'default' });
    expect(unspecified.token.rateLimitPerMinute).toBe(5);
    const [row] = await server.sql('select rate_limit_per_minute from api_token where id = $1', [
      unspecified.token.id,
    ]);
    expect(row).toEqual({ rate_limit_per_minute: 5 });
  });
});

describe('revoking a token revokes every token it created, transitively', () => {
  it('revokeToken: revokes the children and grandchildren in one go, each stops working at once, each audited naming the root', async () => {
    const me = await owner();
    const root = await created(me, { name: 'root' });
    const child = await created({ token: root.secret }, { name: 'child' });
    const grandchild = await created({ token: child.secret }, { name: 'grandchild' });
    const sibling = await created(me, { name: 'unrelated' });
    // Cached as valid first, so a stale cache entry would show.
    for (const token of [root, child, grandchild, sibling]) expect(await whoami(token.secret)).toBe(200);

    const revoked = await server.gql(REVOKE, { id: root.token.id }, { cookie: me.cookie });
    expect(revoked.body.errors).toBeUndefined();
    for (const token of [root, child, grandchild]) expect(await whoami(token.secret)).toBe(401);
    expect(await whoami(sibling.secret)).toBe(200);

    const events = await server.sql<{
      target_id: string;
      actor_type: string;
      actor_id: string;
      detail: unknown;
    }>(
      `select target_id, actor_type, actor_id, detail from audit_event
       where action = 'token.revoke' and account_id = $1 order by created_at`,
      [me.id],
    );
    expect(events).toHaveLength(3);
    expect(events).toEqual(
      expect.arrayContaining([
        { target_id: root.token.id, actor_type: 'account', actor_id: me.id, detail: null },
        {
          target_id: child.token.id,
          actor_type: 'account',
          actor_id: me.id,
          detail: `cascade from ${root.token.id}`,
        },
        {
          target_id: grandchild.token.id,
          actor_type: 'account',
          actor_id: me.id,
          detail: `cascade from ${root.token.id}`,
        },
      ]),
    );
    // Idempotent: a second revoke writes nothing more.
    await server.gql(REVOKE, { id: root.token.id }, { cookie: me.cookie });
    const after = await server.sql(
      "select 1 from audit_event where action = 'token.revoke' and account_id = $1",
      [me.id],
    );
    expect(after).toHaveLength(3);
  });

  it('a leak report against a token revokes the tokens it created too', async () => {
    const me = await owner();
    const root = await created(me, { name: 'leaked' });
    const child = await created({ token: root.secret }, { name: 'child' });
    expect(await whoami(child.secret)).toBe(200);
    const report = await server.rest(
      '/api/tokens/revoke-leaked',
      jsonRequest('POST', { tokens: [root.secret] }),
    );
    expect(report.status).toBe(202);
    expect(await whoami(child.secret)).toBe(401);
    const [event] = await server.sql(
      'select actor_type, detail from audit_event where target_id = $1 and action = $2',
      [child.token.id, 'token.revoke'],
    );
    expect(event).toEqual({ actor_type: 'leak-report', detail: `cascade from ${root.token.id}` });
  });
});

describe('Token.children', () => {
  it('lists the tokens a token created (not grandchildren), for the owner only', async () => {
    const me = await owner();
    const root = await created(me, { name: 'root' });
    const child = await created({ token: root.secret }, { name: 'child' });
    await created({ token: child.secret }, { name: 'grandchild' });
    const shown = await server.gql<{ token: { children: { id: string; createdBy: string }[] } }>(
      CHILDREN,
      { id: root.token.id },
      { cookie: me.cookie },
    );
    expect(shown.body.errors).toBeUndefined();
    expect(shown.body.data?.token.children).toEqual([
      { id: child.token.id, name: 'child', createdBy: root.token.id, status: 'ACTIVE' },
    ]);
    const stranger = await owner();
    const foreign = await server.gql(CHILDREN, { id: root.token.id }, { cookie: stranger.cookie });
    expect(foreign.body.data).toEqual({ token: null });
  });
});
