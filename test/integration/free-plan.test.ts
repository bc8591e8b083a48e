/**
 * The free plan's API tokens are read-only: any GraphQL mutation, or REST write, made with a
 * personal token of a free account answers 403 plan_upgrade_required / PLAN_UPGRADE_REQUIRED
 * before anything runs, counts as a denied use and changes nothing. Reads still work; the
 * account's web session (and its programmatic login) may still create and revoke its tokens; a
 * pro account's token writes; an upgrade reaches the token's cached entry on every instance by
 * its next request; effective permissions show the plan's cap.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Account, Plan } from '../../server/src/accounts/accounts.entity.js';
import type { RunningKeyward } from '../../server/src/boot.js';
import { seedToken } from '../helpers/auth-matrix.js';
import { bootInstance, type GqlResponse, startTestServer, type TestServer } from '../helpers/harness.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

const CREATE = 'mutation($input: CreateTokenInput!) { createToken(input: $input) { token { id } secret } }';
const REVOKE = 'mutation($id: ID!) { revokeToken(id: $id) { id status } }';
const UPDATE = 'mutation($id: ID!) { updateToken(id: $id, input: { name: "renamed" }) { id name } }';
const LIST = '{ viewer { plan } tokens(first: 50) { edges { node { id name status } } } }';
const EFFECTIVE = 'query($id: ID!) { token(id: $id) { permissions effectivePermissions } }';
const USAGE = 'query($id: ID!) { token(id: $id) { usage(days: 1) { allowed denied rateLimited } } }';
const PLAN_MESSAGE = /free plan's API tokens are read-only.*upgrade the account to the pro or team plan/;

interface Owner {
  account: Account;
  id: string;
  email: string;
  password: string;
  cookie: string;
}

async function owner(plan: Plan): Promise<Owner> {
  const { account, email, password } = await server.seedAccount({ plan });
  return { account, id: account.id, email, password, cookie: await server.login(email, password) };
}

function tokenOf(who: Owner, preset: 'ALL' | 'READ_ONLY' | 'CLI' = 'ALL') {
  return seedToken(server, who.account, { name: `t-${randomUUID().slice(0, 8)}`, preset });
}

function code(response: GqlResponse): unknown {
  return response.body.errors?.[0]?.extensions?.code ?? null;
}

/** What a refused write must leave untouched: the account's tokens and the audit log. */
async function stateOf(accountId: string) {
  return {
    tokens: await server.sql(
      'select id, name, active, revoked_at from api_token where account_id = $1 order by id',
      [accountId],
    ),
    audit: await server.sql<{ n: number }>('select count(*)::int as n from audit_event'),
  };
}

/** Today's usage of a token by outcome, once the write-behind recorder has flushed. */
async function usageOf(who: Owner, tokenId: string) {
  await server.keyward.services.usage.flush();
  const response = await server.gql<{ token: { usage: Record<string, number>[] } }>(
    USAGE,
    { id: tokenId },
    { cookie: who.cookie },
  );
  return response.body.data?.token.usage.at(-1);
}

describe('a free account’s API token, GraphQL', () => {
  it.each([
    ['createToken', CREATE, () => ({ input: { name: 'child', preset: 'READ_ONLY' } })],
    ['revokeToken', REVOKE, (id: string) => ({ id })],
    ['updateToken', UPDATE, (id: string) => ({ id })],
  ] as const)('%s answers HTTP 403 PLAN_UPGRADE_REQUIRED and changes nothing', async (_name, query, vars) => {
    const free = await owner('free');
    const token = await tokenOf(free);
    const before = await stateOf(free.id);
    const response = await server.gql(query, vars(token.id), { token: token.secret });
    expect(response.status).toBe(403);
    expect(code(response)).toBe('PLAN_UPGRADE_REQUIRED');
    expect(response.body.errors?.[0]?.message).toMatch(PLAN_MESSAGE);
    expect(response.body.data ?? null).toBeNull();
    expect(await stateOf(free.id)).toEqual(before);
  });

  it('is refused through Yoga too (a graphql-response+json client): HTTP 403, nothing changes', async () => {
    const free = await owner('free');
    const token = await tokenOf(free);
    const before = await stateOf(free.id);
    const response = await server.gql(
      REVOKE,
      { id: token.id },
      { token: token.secret, headers: { accept: 'application/graphql-response+json' } },
    );
    expect(response.status).toBe(403);
    expect(code(response)).toBe('PLAN_UPGRADE_REQUIRED');
    expect(await stateOf(free.id)).toEqual(before);
  });

  it('refuses the mutation before its permission: a READ_ONLY token is told about the plan, not the scope', async () => {
    const free = await owner('free');
    const token = await tokenOf(free, 'READ_ONLY');
    const response = await server.gql(REVOKE, { id: token.id }, { token: token.secret });
    expect(response.status).toBe(403);
    expect(code(response)).toBe('PLAN_UPGRADE_REQUIRED');
  });

  it('names the selected operation: a document with a query and a mutation runs the query, refuses the mutation', async () => {
    const free = await owner('free');
    const token = await tokenOf(free);
    const document = `query Read { viewer { plan } } mutation Write { revokeToken(id: "${token.id}") { id } }`;
    const read = await server.gql(document, undefined, { token: token.secret, headers: {} });
    // Without operationName a two-operation document is a request error, whoever sends it.
    expect(read.body.errors?.[0]?.extensions?.code).not.toBe('PLAN_UPGRADE_REQUIRED');
    const select = (operationName: string) =>
      fetch(`${server.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token.secret}` },
        body: JSON.stringify({ query: document, operationName }),
      });
    const query = await select('Read');
    expect(query.status).toBe(200);
    expect(await query.json()).toEqual({ data: { viewer: { plan: 'free' } } });
    const mutation = await select('Write');
    expect(mutation.status).toBe(403);
    expect(((await mutation.json()) as GqlResponse['body']).errors?.[0]?.extensions?.code).toBe(
      'PLAN_UPGRADE_REQUIRED',
    );
  });

  it('still reads: viewer and tokens answer 200', async () => {
    const free = await owner('free');
    const token = await tokenOf(free);
    const response = await server.gql<{ viewer: { plan: string }; tokens: { edges: unknown[] } }>(
      LIST,
      undefined,
      { token: token.secret },
    );
    expect(response.status).toBe(200);
    expect(response.body.errors).toBeUndefined();
    expect(response.body.data?.viewer.plan).toBe('free');
    expect(response.body.data?.tokens.edges).toHaveLength(1);
  });

  it('counts the refusal as a denied use of the token', async () => {
    const free = await owner('free');
    const token = await tokenOf(free);
    await server.gql(REVOKE, { id: token.id }, { token: token.secret });
    await server.gql(LIST, undefined, { token: token.secret });
    expect(await usageOf(free, token.id)).toEqual({ allowed: 1, denied: 1, rateLimited: 0 });
  });
});

describe('a free account’s API token, REST', () => {
  it('POST /api/v1/api-tokens answers 403 plan_upgrade_required and creates nothing', async () => {
    const free = await owner('free');
    const token = await tokenOf(free);
    const before = await stateOf(free.id);
    const response = await server.rest('/api/v1/api-tokens', {
      method: 'POST',
      token: token.secret,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'child' }),
    });
    expect(response.status).toBe(403);
    const body = (await response.json()) as { error: string; message: string };
    expect(body.error).toBe('plan_upgrade_required');
    expect(body.message).toMatch(PLAN_MESSAGE);
    expect(await stateOf(free.id)).toEqual(before);
  });

  it('DELETE /api/v1/api-tokens/<id> answers 403 plan_upgrade_required and revokes nothing', async () => {
    const free = await owner('free');
    const token = await tokenOf(free);
    const before = await stateOf(free.id);
    const response = await server.rest(`/api/v1/api-tokens/${token.id}`, {
      method: 'DELETE',
      token: token.secret,
    });
    expect(response.status).toBe(403);
    expect(((await response.json()) as { error: string }).error).toBe('plan_upgrade_required');
    expect(await stateOf(free.id)).toEqual(before);
  });

  it('refuses before reading the body: an invalid body is still plan_upgrade_required', async () => {
    const free = await owner('free');
    const token = await tokenOf(free);
    const response = await server.rest('/api/v1/api-tokens', {
      method: 'POST',
      token: token.secret,
      headers: { 'content-type': 'application/json' },
      body: '{"name": 42}',
    });
    expect(response.status).toBe(403);
    expect(((await response.json()) as { error: string }).error).toBe('plan_upgrade_required');
  });

  it('GET /api/cli/whoami still answers, with the plan’s cap in the token’s permissions', async () => {
    const free = await owner('free');
    const token = await tokenOf(free);
    const response = await server.rest('/api/cli/whoami', { token: token.secret });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { account: { plan: string }; token: { permissions: string[] } };
    expect(body.account.plan).toBe('free');
    expect(body.token.permissions).toContain('tokens:read');
    expect(body.token.permissions).not.toContain('tokens:create');
    expect(body.token.permissions).not.toContain('tokens:revoke');
  });

  it('counts the refusal as a denied use of the token', async () => {
    const free = await owner('free');
    const token = await tokenOf(free);
    await server.rest(`/api/v1/api-tokens/${token.id}`, { method: 'DELETE', token: token.secret });
    expect(await usageOf(free, token.id)).toEqual({ allowed: 0, denied: 1, rateLimited: 0 });
  });
});

describe('what the free plan leaves alone', () => {
  it('the account’s web session creates and revokes its tokens (GraphQL and REST)', async () => {
    const free = await owner('free');
    const created = await server.gql<{ createToken: { token: { id: string } } }>(
      CREATE,
      { input: { name: 'from the app', preset: 'ALL' } },
      { cookie: free.cookie },
    );
    expect(created.body.errors).toBeUndefined();
    const id = created.body.data!.createToken.token.id;
    const revoked = await server.gql(REVOKE, { id }, { cookie: free.cookie });
    expect(revoked.body.errors).toBeUndefined();
    expect(revoked.status).toBe(200);

    const viaRest = await server.rest('/api/tokens', {
      method: 'POST',
      cookie: free.cookie,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'from rest' }),
    });
    expect(viaRest.status).toBe(201);
    const { token } = (await viaRest.json()) as { token: { id: string } };
    const deleted = await server.rest(`/api/tokens/${token.id}`, { method: 'DELETE', cookie: free.cookie });
    expect(deleted.status).toBe(200);
  });

  it('the account’s programmatic login (an access token, not an API token) creates and revokes tokens', async () => {
    const free = await owner('free');
    const login = await server.rest('/api/v1/auth/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: free.email, password: free.password }),
    });
    const { accessToken } = ((await login.json()) as { data: { accessToken: string } }).data;
    const created = await server.rest('/api/v1/api-tokens', {
      method: 'POST',
      token: accessToken,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'by login' }),
    });
    expect(created.status).toBe(201);
    const { id } = ((await created.json()) as { data: { id: string } }).data;
    const revoked = await server.rest(`/api/v1/api-tokens/${id}`, { method: 'DELETE', token: accessToken });
    expect(revoked.status).toBe(200);
  });

  it.each(['pro', 'team'] as const)('a %s account’s token writes (GraphQL and REST)', async (plan) => {
    const paying = await owner(plan);
    const token = await tokenOf(paying);
    const created = await server.gql<{ createToken: { token: { id: string } } }>(
      CREATE,
      { input: { name: 'child', preset: 'READ_ONLY' } },
      { token: token.secret },
    );
    expect(created.status).toBe(200);
    expect(created.body.errors).toBeUndefined();
    const deleted = await server.rest(`/api/v1/api-tokens/${created.body.data!.createToken.token.id}`, {
      method: 'DELETE',
      token: token.secret,
    });
    expect(deleted.status).toBe(200);
  });

  it('Token.effectivePermissions of a free token lists only reads; the same grant on pro keeps its writes', async () => {
    const free = await owner('free');
    const pro = await owner('pro');
    const catalogue = server.keyward.services.catalogue;
    const reads = new Set(
      catalogue.flatMap((r) => r.actions.filter((a) => a.kind === 'read').map((a) => a.permission)),
    );
    for (const [who, capped] of [
      [free, true],
      [pro, false],
    ] as const) {
      const token = await tokenOf(who);
      for (const credential of [{ cookie: who.cookie }, { token: token.secret }]) {
        const response = await server.gql<{
          token: { permissions: string[]; effectivePermissions: string[] };
        }>(EFFECTIVE, { id: token.id }, credential);
        const { permissions, effectivePermissions } = response.body.data!.token;
        expect(permissions).toContain('tokens:create');
        expect(effectivePermissions.length).toBeGreaterThan(0);
        expect(effectivePermissions.every((permission) => reads.has(permission))).toBe(capped);
        expect(effectivePermissions.includes('tokens:create')).toBe(!capped);
      }
    }
  });
});

describe('an upgrade reaches the token on every instance by its next request', () => {
  let second: RunningKeyward;
  beforeAll(async () => {
    second = await bootInstance(server.keyward.services.config.databaseUrl!);
  });
  afterAll(() => second?.stop());

  const revokeAt = (url: string, secret: string, id: string) =>
    fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${secret}` },
      body: JSON.stringify({ query: REVOKE, variables: { id } }),
    });

  it('free → pro: both instances let the cached token write; pro → free: both refuse again', async () => {
    const free = await owner('free');
    const {
      account: adminAccount,
      email,
      password,
    } = await server.seedAccount({ role: 'admin', plan: 'team' });
    expect(adminAccount.role).toBe('admin');
    const admin = await server.login(email, password);
    const token = await tokenOf(free);
    const victims = [await tokenOf(free, 'READ_ONLY'), await tokenOf(free, 'READ_ONLY')];

    // Both instances cache the token as a free one.
    for (const url of [server.url, second.url])
      expect((await revokeAt(url, token.secret, victims[0]!.id)).status).toBe(403);

    const setPlan = (plan: 'PRO' | 'FREE') =>
      server.gql(
        'mutation($id: ID!, $plan: AccountPlan!) { adminSetAccountPlan(input: { accountId: $id, plan: $plan }) { plan } }',
        { id: free.id, plan },
        { cookie: admin },
      );
    expect((await setPlan('PRO')).body.errors).toBeUndefined();
    // The changing instance evicted before answering; the other one by the bus, well within a second.
    expect((await revokeAt(server.url, token.secret, victims[0]!.id)).status).toBe(200);
    const deadline = Date.now() + 1000;
    let onSecond = await revokeAt(second.url, token.secret, victims[1]!.id);
    while (onSecond.status !== 200 && Date.now() < deadline)
      onSecond = await revokeAt(second.url, token.secret, victims[1]!.id);
    expect(onSecond.status).toBe(200);

    expect((await setPlan('FREE')).body.errors).toBeUndefined();
    expect((await revokeAt(server.url, token.secret, victims[1]!.id)).status).toBe(403);
    let again = await revokeAt(second.url, token.secret, victims[1]!.id);
    const later = Date.now() + 1000;
    while (again.status !== 403 && Date.now() < later)
      again = await revokeAt(second.url, token.secret, victims[1]!.id);
    expect(again.status).toBe(403);
  });
});
