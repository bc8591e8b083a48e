/**
 * Rotation: a successor replaces a token; the old secret works for the grace period (counted),
 * then answers token_rotated naming the successor's display prefix. The grace's end follows the
 * database clock, on a cached entry too; permissions only narrow; audit, conflicts, the cap, the
 * REST route and another instance's cache.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { RunningKeyward } from '../../server/src/boot.js';
import { bootInstance, startTestServer, type TestServer } from '../helpers/harness.js';
import { expectRestError, jsonRequest } from '../helpers/rest.js';

const CREATE = 'mutation($input: CreateTokenInput!) { createToken(input: $input) { token { id } secret } }';
const ROTATE = `mutation($id: ID!, $input: RotateTokenInput!) {
  rotateToken(id: $id, input: $input) {
    secret
    token { id name displayPrefix preset permissions expiresAt rateLimitPerMinute allowedCidrs usageLimit usageRemaining createdBy status }
    rotatedToken { id status rotation { successorId successorDisplayPrefix rotatedAt graceEndsAt oldSecretUses } }
  }
}`;
const TOKEN = `query($id: ID!) { token(id: $id) {
  id status revokedAt
  rotation { successorId successorDisplayPrefix rotatedAt graceEndsAt oldSecretUses oldSecretLastUsedAt oldSecretLastUsedIp }
} }`;
const TEN_MINUTES = 10 * 60_000;

interface Rotated {
  secret: string;
  token: {
    id: string;
    name: string;
    displayPrefix: string;
    preset: string;
    permissions: string[];
    expiresAt: string | null;
    rateLimitPerMinute: number;
    allowedCidrs: string[] | null;
    usageLimit: number | null;
    usageRemaining: number | null;
    createdBy: string;
    status: string;
  };
  rotatedToken: {
    id: string;
    status: string;
    rotation: {
      successorId: string;
      successorDisplayPrefix: string;
      rotatedAt: string;
      graceEndsAt: string;
      oldSecretUses: number;
    } | null;
  };
}

interface Owner {
  accountId: string;
  cookie: string;
}

let server: TestServer;
let owner: Owner;

beforeAll(async () => {
  server = await startTestServer();
  owner = await newOwner();
});
afterAll(() => server.close());
afterEach(() => {
  vi.restoreAllMocks();
});

async function newOwner(): Promise<Owner> {
  const { account, email, password } = await server.seedAccount({ plan: 'team' });
  return { accountId: account.id, cookie: await server.login(email, password) };
}

async function create(
  input: Record<string, unknown> = {},
  who: Owner = owner,
): Promise<{ id: string; secret: string }> {
  const response = await server.gql<{ createToken: { token: { id: string }; secret: string } }>(
    CREATE,
    { input: { name: 'ci deploy', preset: 'ALL', ...input } },
    { cookie: who.cookie },
  );
  const created = response.body.data?.createToken;
  if (!created) throw new Error(JSON.stringify(response.body));
  return { id: created.token.id, secret: created.secret };
}

function rotate(
  id: string,
  input: Record<string, unknown> = {},
  auth: { cookie?: string; token?: string } = {},
) {
  return server.gql<{ rotateToken: Rotated }>(
    ROTATE,
    { id, input },
    auth.token ? { token: auth.token } : { cookie: auth.cookie ?? owner.cookie },
  );
}

async function rotated(id: string, input: Record<string, unknown> = {}): Promise<Rotated> {
  const response = await rotate(id, input);
  const payload = response.body.data?.rotateToken;
  if (!payload) throw new Error(JSON.stringify(response.body));
  return payload;
}

async function whoami(
  secret: string,
  url = server.url,
): Promise<{ status: number; error?: string; message?: string }> {
  const response = await fetch(`${url}/api/cli/whoami`, { headers: { authorization: `Bearer ${secret}` } });
  const body = (await response.json()) as { error?: string; message?: string };
  return { status: response.status, error: body.error, message: body.message };
}

async function tokenState(id: string) {
  const response = await server.gql<{
    token: {
      id: string;
      status: string;
      revokedAt: string | null;
      rotation: {
        successorId: string;
        successorDisplayPrefix: string;
        graceEndsAt: string;
        oldSecretUses: number;
        oldSecretLastUsedAt: string | null;
        oldSecretLastUsedIp: string | null;
      } | null;
    } | null;
  }>(TOKEN, { id }, { cookie: owner.cookie });
  return response.body.data?.token ?? null;
}

/** Sets the old token's grace to end `seconds` from the database's now() (its trigger tells the caches). */
async function graceEndsIn(id: string, seconds: number): Promise<void> {
  await server.sql('update api_token set grace_ends_at = now() + make_interval(secs => $2) where id = $1', [
    id,
    seconds,
  ]);
  // The change notification reaches this instance's cache.
  await new Promise((resolve) => setTimeout(resolve, 100));
}

function shiftWallClock(offsetMs: number): void {
  const realNow = Date.now.bind(Date);
  vi.spyOn(Date, 'now').mockImplementation(() => realNow() + offsetMs);
}

describe('rotateToken', () => {
  it('returns the successor’s secret once, with the old token’s permissions, restrictions and rate limit', async () => {
    const old = await create({
      preset: 'CLI',
      expiresInDays: 30,
      rateLimitPerMinute: 77,
      allowedCidrs: ['127.0.0.1', '10.0.0.0/8'],
    });
    const payload = await rotated(old.id);
    expect(payload.secret).toMatch(/^kw_/);
    expect(payload.secret.startsWith(payload.token.displayPrefix)).toBe(true);
    expect(payload.token).toMatchObject({
      name: 'ci deploy',
      preset: 'CLI',
      rateLimitPerMinute: 77,
      status: 'ACTIVE',
      createdBy: owner.accountId,
    });
    expect([...(payload.token.allowedCidrs ?? [])].sort()).toEqual(['10.0.0.0/8', '127.0.0.1']);
    expect(payload.token.id).not.toBe(old.id);
    // The old token's lifetime (30 days), counted from now.
    const lifetime = new Date(payload.token.expiresAt ?? 0).getTime() - Date.now();
    expect(Math.abs(lifetime - 30 * 86_400_000)).toBeLessThan(60_000);
    expect(payload.rotatedToken.status).toBe('ACTIVE');
    const rotation = payload.rotatedToken.rotation;
    expect(rotation).toMatchObject({
      successorId: payload.token.id,
      successorDisplayPrefix: payload.token.displayPrefix,
      oldSecretUses: 0,
    });
    const grace =
      new Date(rotation?.graceEndsAt ?? 0).getTime() - new Date(rotation?.rotatedAt ?? 0).getTime();
    expect(grace).toBe(24 * 3_600_000);
    // The secret is never stored or readable again.
    const [row] = await server.sql<{ n: number }>(
      "select count(*)::int as n from api_token where secret_hash = encode(sha256($1::bytea), 'hex')",
      [payload.secret],
    );
    expect(row?.n).toBe(1);
    expect(JSON.stringify(await tokenState(payload.token.id))).not.toContain(payload.secret);
  });

  it('during the grace both secrets work, and each use of the old one is counted with its address', async () => {
    const old = await create();
    const payload = await rotated(old.id, { gracePeriodHours: 2 });
    for (let i = 0; i < 12; i++) expect((await whoami(old.secret)).status).toBe(200);
    expect((await whoami(payload.secret)).status).toBe(200);
    await server.keyward.services.usage.flush();
    const state = await tokenState(old.id);
    expect(state?.status).toBe('ACTIVE');
    expect(state?.rotation).toMatchObject({ oldSecretUses: 12, oldSecretLastUsedIp: '127.0.0.1' });
    expect(state?.rotation?.oldSecretLastUsedAt).toBeTruthy();
    // The successor's own uses are not the old secret's.
    expect((await tokenState(payload.token.id))?.rotation).toBeNull();
  });

  it('after the grace the old secret answers 401 token_rotated naming the successor’s prefix (REST and GraphQL)', async () => {
    const old = await create();
    const payload = await rotated(old.id, { gracePeriodHours: 0 });
    const refused = await whoami(old.secret);
    expect(refused).toMatchObject({ status: 401, error: 'token_rotated' });
    expect(refused.message).toContain(payload.token.displayPrefix);
    const response = await server.rest('/api/cli/whoami', { token: old.secret });
    expect(response.headers.get('www-authenticate')).toContain('error="invalid_token"');
    const graphql = await server.gql('{ viewer { id } }', {}, { token: old.secret });
    expect(graphql.status).toBe(401);
    expect(graphql.body.errors?.[0]?.extensions?.code).toBe('TOKEN_ROTATED');
    expect(graphql.body.errors?.[0]?.message).toContain(payload.token.displayPrefix);
    expect((await whoami(payload.secret)).status).toBe(200);
    // Refused uses of the old secret count too: its owner sees a client still holding it.
    await server.keyward.services.usage.flush();
    const state = await tokenState(old.id);
    expect(state?.status).toBe('REVOKED');
    expect(state?.rotation?.oldSecretUses).toBe(3);
  });

  it('writes token.rotate (detail: the successor id) and token.create in the same transaction', async () => {
    const old = await create();
    const payload = await rotated(old.id, { gracePeriodHours: 5 });
    const events = await server.sql<{
      action: string;
      target_id: string;
      detail: string;
      actor_type: string;
    }>(
      'select action, target_id, detail, actor_type from audit_event where target_id = any($1) order by action',
      [[old.id, payload.token.id]],
    );
    expect(events.filter((event) => event.action !== 'token.create' || event.target_id !== old.id)).toEqual([
      {
        action: 'token.create',
        target_id: payload.token.id,
        detail: `rotation of ${old.id}`,
        actor_type: 'account',
      },
      {
        action: 'token.rotate',
        target_id: old.id,
        detail: `successor ${payload.token.id}, grace 5 h`,
        actor_type: 'account',
      },
    ]);
  });

  it('may narrow the permissions (ALL to a CUSTOM list) and refuses to widen them, changing nothing', async () => {
    const old = await create({ preset: 'ALL' });
    const narrowed = await rotated(old.id, {
      preset: 'CUSTOM',
      permissions: ['tokens:read', 'account:read'],
    });
    expect(narrowed.token.preset).toBe('CUSTOM');
    expect(narrowed.token.permissions).toEqual(['account:read', 'tokens:read']);

    const custom = await create({ preset: 'CUSTOM', permissions: ['tokens:read'] });
    for (const input of [
      { preset: 'ALL' },
      { preset: 'READ_ONLY' },
      { permissions: ['tokens:read', 'tokens:revoke'] },
    ]) {
      const refused = await rotate(custom.id, input);
      expect(refused.body.errors?.[0]?.extensions).toMatchObject({
        code: 'VALIDATION_FAILED',
        field: 'permissions',
      });
      expect(refused.body.errors?.[0]?.message).toMatch(/rotation may only narrow/);
    }
    // A list alone means CUSTOM.
    const alone = await rotated(narrowed.token.id, { permissions: ['tokens:read'] });
    expect(alone.token.permissions).toEqual(['tokens:read']);
    const [row] = await server.sql<{ successor_id: string | null }>(
      'select successor_id from api_token where id = $1',
      [custom.id],
    );
    expect(row?.successor_id).toBeNull();
    const [audit] = await server.sql<{ n: number }>(
      "select count(*)::int as n from audit_event where target_id = $1 and action = 'token.rotate'",
      [custom.id],
    );
    expect(audit?.n).toBe(0);
  });

  it('refuses a revoked or an already rotated token with CONFLICT, and another account’s id as NOT_FOUND', async () => {
    const revoked = await create();
    await server.gql(
      'mutation($id: ID!) { revokeToken(id: $id) { id } }',
      { id: revoked.id },
      { cookie: owner.cookie },
    );
    const first = await rotate(revoked.id);
    expect(first.body.errors?.[0]?.extensions?.code).toBe('CONFLICT');
    expect(first.body.errors?.[0]?.message).toMatch(/revoked/);

    const old = await create();
    await rotated(old.id);
    const again = await rotate(old.id);
    expect(again.body.errors?.[0]?.extensions?.code).toBe('CONFLICT');
    expect(again.body.errors?.[0]?.message).toMatch(/already rotated/);

    const stranger = await newOwner();
    const foreign = await rotate(old.id, {}, { cookie: stranger.cookie });
    expect(foreign.body.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const unknown = await rotate(randomUUID());
    expect(unknown.body.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  });

  it.each([[-1], [168.01], [1000]])('refuses gracePeriodHours %s with VALIDATION_FAILED', async (hours) => {
    const old = await create();
    const response = await rotate(old.id, { gracePeriodHours: hours });
    const error = response.body.errors?.[0];
    expect(error?.extensions).toMatchObject({ code: 'VALIDATION_FAILED', field: 'gracePeriodHours' });
    const [row] = await server.sql<{ successor_id: string | null }>(
      'select successor_id from api_token where id = $1',
      [old.id],
    );
    expect(row?.successor_id).toBeNull();
  });

  it('works at the cap of 20 live tokens: the successor replaces the old token', async () => {
    const full = await newOwner();
    const tokens = [];
    for (let i = 0; i < 20; i++) tokens.push(await create({ name: `t${i}` }, full));
    const overCap = await server.gql(
      CREATE,
      { input: { name: 'x', preset: 'ALL' } },
      { cookie: full.cookie },
    );
    expect(overCap.body.errors?.[0]?.extensions?.code).toBe('TOKEN_LIMIT_REACHED');
    const response = await rotate(tokens[0]?.id ?? '', {}, { cookie: full.cookie });
    expect(response.body.errors).toBeUndefined();
    const still = await server.gql(CREATE, { input: { name: 'x', preset: 'ALL' } }, { cookie: full.cookie });
    expect(still.body.errors?.[0]?.extensions?.code).toBe('TOKEN_LIMIT_REACHED');
  });

  it('the successor starts with the credits the old token has left', async () => {
    const old = await create({ usageLimit: 10 });
    for (let i = 0; i < 3; i++) expect((await whoami(old.secret)).status).toBe(200);
    const payload = await rotated(old.id);
    expect(payload.token).toMatchObject({ usageLimit: 10, usageRemaining: 7 });
  });

  it('the successor takes the old token’s place: it takes over the tokens the old one created', async () => {
    const old = await create({ preset: 'ALL' });
    const child = await server.gql<{ createToken: { token: { id: string } } }>(
      CREATE,
      { input: { name: 'child', preset: 'READ_ONLY' } },
      { token: old.secret },
    );
    const childId = child.body.data?.createToken.token.id ?? '';
    const payload = await rotated(old.id, { gracePeriodHours: 0 });
    const [row] = await server.sql<{ created_by_token: string }>(
      'select created_by_token from api_token where id = $1',
      [childId],
    );
    expect(row?.created_by_token).toBe(payload.token.id);
    // The sweep that makes the grace's end permanent leaves the child alone...
    await server.keyward.services.jobs.runNow('rotation-grace');
    expect((await tokenState(old.id))?.revokedAt).toBeTruthy();
    expect((await tokenState(childId))?.status).toBe('ACTIVE');
    // ...and the old secret still says which successor to use, not just "revoked".
    expect(await whoami(old.secret)).toMatchObject({ status: 401, error: 'token_rotated' });
    // Revoking the successor takes the child with it.
    await server.gql(
      'mutation($id: ID!) { revokeToken(id: $id) { id } }',
      { id: payload.token.id },
      { cookie: owner.cookie },
    );
    expect((await tokenState(childId))?.status).toBe('REVOKED');
  });

  it('a token rotating itself keeps within its own grant and expiry', async () => {
    const cli = await create({ preset: 'CLI', expiresInDays: 10 });
    const widened = await rotate(cli.id, { expiresInDays: 30 }, { token: cli.secret });
    expect(widened.body.errors?.[0]?.extensions?.code).toBe('INSUFFICIENT_SCOPE');
    const payload = (await rotate(cli.id, {}, { token: cli.secret })).body.data?.rotateToken;
    expect(payload?.token.preset).toBe('CLI');
    // Without an expiry asked for, the successor expires with the rotating token.
    const [row] = await server.sql<{ same: boolean }>(
      'select (select expires_at from api_token where id = $1) = (select expires_at from api_token where id = $2) as same',
      [cli.id, payload?.token.id],
    );
    expect(row?.same).toBe(true);
    // Rotation ends a token: tokens:create alone is not enough.
    const creator = await create({ preset: 'CUSTOM', permissions: ['tokens:create', 'tokens:read'] });
    const noRevoke = await rotate(creator.id, {}, { token: creator.secret });
    expect(noRevoke.body.errors?.[0]?.extensions?.code).toBe('INSUFFICIENT_SCOPE');
    expect(noRevoke.body.errors?.[0]?.message).toContain('tokens:revoke');
  });
});

describe('the grace ends by the database clock', () => {
  it('an instance whose clock is 10 minutes slow refuses the old secret from its cache on time', async () => {
    shiftWallClock(-TEN_MINUTES);
    const old = await create();
    const payload = await rotated(old.id);
    await graceEndsIn(old.id, 1.5);
    expect((await whoami(old.secret)).status).toBe(200);
    const hits = server.keyward.services.tokenCache.stats.hits;
    expect((await whoami(old.secret)).status).toBe(200);
    expect(server.keyward.services.tokenCache.stats.hits).toBe(hits + 1);
    await new Promise((resolve) => setTimeout(resolve, 1600));
    const refused = await whoami(old.secret);
    expect(refused).toMatchObject({ status: 401, error: 'token_rotated' });
    expect(refused.message).toContain(payload.token.displayPrefix);
    // Decided on the cached entry, without a query.
    expect(server.keyward.services.tokenCache.stats.hits).toBe(hits + 2);
  });

  it('an instance whose clock is 10 minutes fast keeps accepting the old secret with 5 minutes of grace left', async () => {
    shiftWallClock(TEN_MINUTES);
    const old = await create();
    await rotated(old.id);
    await graceEndsIn(old.id, 300);
    expect((await whoami(old.secret)).status).toBe(200);
    expect((await whoami(old.secret)).status).toBe(200);
  });

  it('a grace that ended in the database is refused on a miss, whatever the wall clock', async () => {
    shiftWallClock(-TEN_MINUTES);
    const old = await create();
    await rotated(old.id);
    await graceEndsIn(old.id, -1);
    expect((await whoami(old.secret)).error).toBe('token_rotated');
  });
});

describe('POST /api/tokens/:id/rotate', () => {
  it('rotates with the session and the CSRF proof, answering 201 with the successor and its secret', async () => {
    const old = await create();
    const response = await server.rest(`/api/tokens/${old.id}/rotate`, {
      ...jsonRequest('POST', { gracePeriodHours: 1, name: 'renamed' }, { 'x-keyward-csrf': '1' }),
      cookie: owner.cookie,
    });
    expect(response.status).toBe(201);
    const body = (await response.json()) as {
      token: { id: string; name: string; displayPrefix: string };
      secret: string;
      rotatedToken: { id: string; status: string };
    };
    expect(body.token.name).toBe('renamed');
    expect(body.secret.startsWith(body.token.displayPrefix)).toBe(true);
    expect(body.rotatedToken).toMatchObject({ id: old.id, status: 'ACTIVE' });
    expect((await whoami(body.secret)).status).toBe(200);
  });

  it('refuses a bad body, a missing CSRF proof, another account’s id and a second rotation', async () => {
    const old = await create();
    const path = `/api/tokens/${old.id}/rotate`;
    const csrf = { 'x-keyward-csrf': '1' };
    await expectRestError(
      await server.rest(path, {
        ...jsonRequest('POST', { gracePeriodHours: 200 }, csrf),
        cookie: owner.cookie,
      }),
      400,
      'validation_failed',
    );
    await expectRestError(
      await server.rest(path, { ...jsonRequest('POST', { grace: 1 }, csrf), cookie: owner.cookie }),
      400,
      'validation_failed',
    );
    await expectRestError(
      await server.rest(path, jsonRequest('POST', {}, { cookie: owner.cookie })),
      403,
      'csrf_failed',
    );
    const stranger = await newOwner();
    await expectRestError(
      await server.rest(path, { ...jsonRequest('POST', {}, csrf), cookie: stranger.cookie }),
      404,
      'not_found',
    );
    expect((await server.rest(path, { ...jsonRequest('POST', {}, csrf), cookie: owner.cookie })).status).toBe(
      201,
    );
    await expectRestError(
      await server.rest(path, { ...jsonRequest('POST', {}, csrf), cookie: owner.cookie }),
      409,
      'conflict',
    );
  });
});

describe('another instance', () => {
  let other: RunningKeyward;
  beforeAll(async () => {
    const databaseUrl = server.keyward.services.config.databaseUrl;
    if (!databaseUrl) throw new Error('no DATABASE_URL');
    other = await bootInstance(databaseUrl);
  });
  afterAll(() => other.stop());

  it('drops its cached entry of the old token on rotation: a zero grace refuses it there at once', async () => {
    const old = await create();
    expect((await whoami(old.secret, other.url)).status).toBe(200);
    expect((await whoami(old.secret, other.url)).status).toBe(200);
    const payload = await rotated(old.id, { gracePeriodHours: 0 });
    await new Promise((resolve) => setTimeout(resolve, 200));
    const refused = await whoami(old.secret, other.url);
    expect(refused).toMatchObject({ status: 401, error: 'token_rotated' });
    expect(refused.message).toContain(payload.token.displayPrefix);
  });
});
