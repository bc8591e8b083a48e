import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Plan } from '../../server/src/accounts/accounts.entity.js';
import {
  flipChecksum,
  restAuthCall,
  runTokenAuthMatrix,
  type SeededToken,
  seedToken,
} from '../helpers/auth-matrix.js';
import { startTestServer, type TestServer } from '../helpers/harness.js';
import { expectAllowedRateHeaders, expectRateLimited, expectRestError } from '../helpers/rest.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

const current = () => server;

interface SourceBody {
  slug: string;
  type: string;
  tier: string;
  files: { path: string; content: string }[];
}

runTokenAuthMatrix('GET /api/cli/whoami', {
  server: current,
  surface: 'rest',
  // No permission is needed: a token holding only audit:read is still answered.
  callerToken: { preset: 'CUSTOM', permissions: ['audit:read'] },
  call: restAuthCall(current, { path: () => '/api/cli/whoami' }),
  expectOk: (result, seeded) =>
    expect(result.data).toEqual({
      account: {
        id: seeded.account.id,
        email: seeded.account.email,
        name: seeded.account.name,
        plan: 'free',
      },
      token: {
        id: seeded.caller.id,
        name: 'caller',
        displayPrefix: seeded.caller.secret.slice(0, 12),
        permissions: ['audit:read'],
        expiresAt: null,
        allowedCidrs: null,
        notBefore: null,
        usageLimit: null,
        usageRemaining: null,
        usageRefill: null,
      },
      entitlements: { proComponents: false },
    }),
});

runTokenAuthMatrix('GET /api/cli/<slug>', {
  server: current,
  surface: 'rest',
  requiredPermission: 'components:read',
  call: restAuthCall(current, { path: () => '/api/cli/button' }),
  expectOk: (result) => {
    const body = result.data as SourceBody;
    expect(body).toMatchObject({ slug: 'button', type: 'component', tier: 'free' });
    expect(body.files[0]?.content).toMatch(/export function Button/);
  },
});

runTokenAuthMatrix('GET /api/cli/blocks/<slug>', {
  server: current,
  surface: 'rest',
  requiredPermission: 'blocks:read',
  call: restAuthCall(current, { path: () => '/api/cli/blocks/login-form' }),
  expectOk: (result) => {
    const body = result.data as SourceBody;
    expect(body).toMatchObject({ slug: 'login-form', type: 'block', tier: 'free' });
    expect(body.files[0]?.content).toMatch(/export function LoginForm/);
  },
});

runTokenAuthMatrix('POST /api/v1/api-tokens', {
  writes: true,
  server: current,
  surface: 'rest',
  requiredPermission: 'tokens:create',
  okStatus: 201,
  call: restAuthCall(current, {
    method: 'POST',
    path: () => '/api/v1/api-tokens',
    // Within the caller's own grant (CUSTOM tokens:create), so attenuation allows it.
    body: () => ({ name: 'made by a token', permissions: ['tokens:create'] }),
  }),
  expectOk: async (result, seeded) => {
    const { data } = result.data as { data: Record<string, string> };
    expect(Object.keys(data).sort()).toEqual(['createdAt', 'id', 'name', 'token']);
    expect(data).toMatchObject({ name: 'made by a token' });
    expect(data.token).toMatch(/^kw_[0-9A-Za-z]{36}$/);
    expect(Number.isNaN(Date.parse(data.createdAt ?? ''))).toBe(false);
    const [row] = await server.sql(
      'select account_id, created_by_token, preset, permissions from api_token where id = $1',
      [data.id],
    );
    expect(row).toEqual({
      account_id: seeded.account.id,
      created_by_token: seeded.caller.id,
      preset: 'CUSTOM',
      permissions: ['tokens:create'],
    });
  },
});

runTokenAuthMatrix('DELETE /api/v1/api-tokens/<id>', {
  writes: true,
  server: current,
  surface: 'rest',
  requiredPermission: 'tokens:revoke',
  targetsToken: true,
  call: restAuthCall(current, { method: 'DELETE', path: (target) => `/api/v1/api-tokens/${target.tokenId}` }),
  expectOk: async (result, seeded) => {
    expect(result.data).toEqual({
      data: { id: seeded.target.id, name: 'target', revokedAt: expect.any(String) },
    });
    const [row] = await server.sql<{ revoked_at: Date | null }>(
      'select revoked_at from api_token where id = $1',
      [seeded.target.id],
    );
    expect(row?.revoked_at).toBeInstanceOf(Date);
  },
});

describe('DELETE /api/v1/api-tokens/<id> with ids that are not the caller’s', () => {
  it("DELETE /api/v1/api-tokens/<id>: another account's id is 404 not_found with the same body as an unknown id, and stays live", async () => {
    // A pro account: a free account's tokens only read.
    const mine = await server.seedAccount({ plan: 'pro' });
    const theirs = await server.seedAccount();
    const caller = await seedToken(server, mine.account, { preset: 'CLI' });
    const foreign = await seedToken(server, theirs.account);
    const answers = [];
    for (const id of [foreign.id, randomUUID(), 'not-a-uuid']) {
      const response = await server.rest(`/api/v1/api-tokens/${id}`, {
        method: 'DELETE',
        token: caller.secret,
      });
      const { requestId: _requestId, ...rest } = await expectRestError(response, 404, 'not_found');
      answers.push(rest);
    }
    expect(answers[1]).toEqual(answers[0]);
    expect(answers[2]).toEqual(answers[0]);
    const [row] = await server.sql('select revoked_at from api_token where id = $1', [foreign.id]);
    expect(row).toEqual({ revoked_at: null });
    expect(
      await server.sql("select id from audit_event where target_id = $1 and action = 'token.revoke'", [
        foreign.id,
      ]),
    ).toEqual([]);
  });
});

describe('GET /api/cli/whoami body', () => {
  it.each<[Plan, boolean]>([
    ['free', false],
    ['pro', true],
    ['team', true],
  ])('whoami: a %s account has entitlements.proComponents %s', async (plan, pro) => {
    const { account } = await server.seedAccount({ plan });
    const token = await seedToken(server, account, { preset: 'CLI' });
    const response = await server.rest('/api/cli/whoami', { token: token.secret });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { account: { plan: string }; entitlements: unknown };
    expect(body.account.plan).toBe(plan);
    expect(body.entitlements).toEqual({ proComponents: pro });
  });

  it('whoami: shows an expiring token’s expiresAt as an ISO date and the CLI preset’s permissions, sorted, never the secret', async () => {
    // A pro account: on the free plan the CLI preset is capped to its reads (free-plan.test.ts).
    const { account } = await server.seedAccount({ plan: 'pro' });
    const token = await seedToken(server, account, { name: 'laptop', preset: 'CLI', expiresInDays: 30 });
    const [row] = await server.sql<{ expires_at: Date }>('select expires_at from api_token where id = $1', [
      token.id,
    ]);
    const response = await server.rest('/api/cli/whoami', { token: token.secret });
    const text = await response.text();
    expect(text).not.toContain(token.secret);
    expect(JSON.parse(text).token).toEqual({
      id: token.id,
      name: 'laptop',
      displayPrefix: token.secret.slice(0, 12),
      permissions: [
        'account:read',
        'blocks:read',
        'components:read',
        'org-tokens:manage',
        'org-tokens:read',
        'org:read',
        'tokens:create',
        'tokens:read',
        'tokens:revoke',
      ],
      expiresAt: row?.expires_at.toISOString(),
      allowedCidrs: null,
      notBefore: null,
      usageLimit: null,
      usageRemaining: null,
      usageRefill: null,
    });
  });
});

describe('per-token rate limit on /api/cli/* (rateLimitPerMinute, default 120)', () => {
  const cliPaths = ['/api/cli/whoami', '/api/cli/button', '/api/cli/blocks/login-form'];

  async function cliCall(token: SeededToken | string, index = 0): Promise<Response> {
    const secret = typeof token === 'string' ? token : token.secret;
    return server.rest(cliPaths[index % cliPaths.length]!, { token: secret });
  }

  it('cli limit: a default token gets 120 answers across the cli routes with RateLimit-Remaining counting down; the 121st is 429 scope token, source cli; a second token of the same account is unaffected', async () => {
    const { account } = await server.seedAccount();
    const token = await seedToken(server, account, { preset: 'CLI' });
    const sibling = await seedToken(server, account, { preset: 'CLI' });
    for (let index = 0; index < 120; index++) {
      const response = await cliCall(token, index);
      expect(response.status).toBe(200);
      expectAllowedRateHeaders(response, 120, 119 - index);
      await response.arrayBuffer();
    }
    const limited = await cliCall(token);
    const { message } = await expectRateLimited(limited, {
      limit: 120,
      windowSeconds: 60,
      scope: 'token',
      source: 'cli',
    });
    expect(message).not.toContain(token.secret);
    // Every cli route shares the one quota.
    await expectRestError(await cliCall(token, 1), 429, 'rate_limit_exceeded');
    await expectRestError(await cliCall(token, 2), 429, 'rate_limit_exceeded');

    const other = await cliCall(sibling);
    expect(other.status).toBe(200);
    expectAllowedRateHeaders(other, 120, 119);
  });

  it('cli limit: a token with rateLimitPerMinute 3 is limited at 3', async () => {
    const { account } = await server.seedAccount();
    const token = await seedToken(server, account, { preset: 'CLI', rateLimitPerMinute: 3 });
    for (let remaining = 2; remaining >= 0; remaining--) {
      const response = await cliCall(token);
      expect(response.status).toBe(200);
      expectAllowedRateHeaders(response, 3, remaining);
      await response.arrayBuffer();
    }
    await expectRateLimited(await cliCall(token), {
      limit: 3,
      windowSeconds: 60,
      scope: 'token',
      source: 'cli',
    });
  });

  it('cli limit: requests with a bad credential imitating a token do not spend its quota', async () => {
    const { account } = await server.seedAccount();
    const token = await seedToken(server, account, { preset: 'CLI', rateLimitPerMinute: 3 });
    const deleted = await seedToken(server, account, { preset: 'CLI', rateLimitPerMinute: 3 });
    // Deleted, so its secret is a well-formed token that names nothing.
    await server.sql('delete from api_token where id = $1', [deleted.id]);
    for (let index = 0; index < 5; index++) {
      await expectRestError(await cliCall(flipChecksum(token.secret), index), 401, 'invalid_token');
      await expectRestError(await cliCall(deleted.secret, index), 401, 'invalid_token');
      await expectRestError(await cliCall(token.secret.slice(0, -1), index), 401, 'invalid_token');
    }
    for (let remaining = 2; remaining >= 0; remaining--) {
      const response = await cliCall(token);
      expect(response.status).toBe(200);
      expectAllowedRateHeaders(response, 3, remaining);
      await response.arrayBuffer();
    }
    expect((await cliCall(token)).status).toBe(429);
  });
});
