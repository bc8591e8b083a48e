/**
 * Least privilege: which permissions each token exercised (per token and permission: count and
 * last use, written behind; many concurrent requests lose no count), and preset drift: what an
 * ALL / READ_ONLY / CLI token's preset gained since the token was created, after a restart on the
 * same database with a grown catalogue.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  defineResource,
  type PermissionCatalogue,
  permissionCatalogue,
} from '../../server/src/permissions/catalogue.js';
import { startTestServer, type TestServer } from '../helpers/harness.js';

const CREATE = 'mutation($input: CreateTokenInput!) { createToken(input: $input) { token { id } secret } }';
const USAGE = `query($id: ID!) { token(id: $id) {
  permissions presetDrift permissionUsage { permission count lastUsedAt }
} }`;

interface Usage {
  permissions: string[];
  presetDrift: string[];
  permissionUsage: { permission: string; count: number; lastUsedAt: string | null }[];
}

let server: TestServer;
let cookie: string;

beforeAll(async () => {
  server = await startTestServer();
  const { email, password } = await server.seedAccount({ plan: 'team' });
  cookie = await server.login(email, password);
});
afterAll(() => server.close());

async function create(input: Record<string, unknown>): Promise<{ id: string; secret: string }> {
  const response = await server.gql<{ createToken: { token: { id: string }; secret: string } }>(
    CREATE,
    { input: { name: 'least privilege', ...input } },
    { cookie },
  );
  const created = response.body.data?.createToken;
  if (!created) throw new Error(JSON.stringify(response.body));
  return { id: created.token.id, secret: created.secret };
}

async function usageOf(id: string): Promise<Usage> {
  await server.keyward.services.usage.flush();
  const response = await server.gql<{ token: Usage }>(USAGE, { id }, { cookie });
  const token = response.body.data?.token;
  if (!token) throw new Error(JSON.stringify(response.body));
  return token;
}

const counts = (usage: Usage) =>
  Object.fromEntries(usage.permissionUsage.map((use) => [use.permission, use.count]));

describe('Token.permissionUsage', () => {
  it('lists every granted permission, never-used ones at zero', async () => {
    const token = await create({ preset: 'READ_ONLY' });
    const usage = await usageOf(token.id);
    expect(usage.permissionUsage.map((use) => use.permission)).toEqual(usage.permissions);
    expect(usage.permissionUsage.every((use) => use.count === 0 && use.lastUsedAt === null)).toBe(true);
  });

  it('counts the permission of each REST route and GraphQL field a request used, once per request', async () => {
    const token = await create({ preset: 'ALL' });
    const started = Date.now();
    // REST: components:read (the route's declared permission); whoami needs none.
    for (let i = 0; i < 3; i++)
      expect((await server.rest('/api/cli/button', { token: token.secret })).status).toBe(200);
    expect((await server.rest('/api/cli/whoami', { token: token.secret })).status).toBe(200);
    // GraphQL: two fields needing tokens:read in one operation count once; account:read once.
    const twice = await server.gql(
      'query($id: ID!) { a: token(id: $id) { id } b: token(id: $id) { id } viewer { id } }',
      { id: token.id },
      { token: token.secret },
    );
    expect(twice.body.errors).toBeUndefined();
    const usage = await usageOf(token.id);
    const byPermission = counts(usage);
    expect(byPermission['components:read']).toBe(3);
    expect(byPermission['tokens:read']).toBe(1);
    expect(byPermission['tokens:create']).toBe(0);
    const last = usage.permissionUsage.find((use) => use.permission === 'components:read')?.lastUsedAt;
    expect(Date.parse(last ?? '')).toBeGreaterThanOrEqual(started - 1000);
  });

  it('does not count a refused permission, nor requests made with a web session', async () => {
    const token = await create({ preset: 'CUSTOM', permissions: ['tokens:read'] });
    expect((await server.rest('/api/cli/button', { token: token.secret })).status).toBe(403);
    await server.gql('{ tokens(first: 1) { edges { node { id } } } }', {}, { cookie });
    const usage = await usageOf(token.id);
    expect(counts(usage)).toEqual({ 'tokens:read': 0 });
  });

  it('loses no count under 400 concurrent requests across flushes', async () => {
    const token = await create({ preset: 'CLI', rateLimitPerMinute: 10_000 });
    const flusher = setInterval(() => void server.keyward.services.usage.flush(), 5);
    try {
      const answers = await Promise.all(
        Array.from({ length: 400 }, (_, i) =>
          i % 2 === 0
            ? server.rest('/api/cli/button', { token: token.secret }).then((response) => response.status)
            : server
                .gql('{ tokens(first: 1) { edges { node { id } } } }', {}, { token: token.secret })
                .then((response) => response.status),
        ),
      );
      expect(answers.filter((status) => status === 200)).toHaveLength(400);
    } finally {
      clearInterval(flusher);
    }
    const byPermission = counts(await usageOf(token.id));
    expect(byPermission['components:read']).toBe(200);
    expect(byPermission['tokens:read']).toBe(200);
  });
});

/** Today's catalogue plus components:list (read, cli) and components:deprecate (write), added now. */
function grownCatalogue(addedAt: string): PermissionCatalogue {
  return permissionCatalogue.map((resource) =>
    resource.name === 'components'
      ? defineResource(resource.name, resource.description, [
          ...resource.actions.map(({ permission: _permission, ...action }) => action),
          { name: 'list', description: 'List components.', kind: 'read', cli: true, addedAt },
          { name: 'deprecate', description: 'Deprecate a component.', kind: 'write', cli: false, addedAt },
        ])
      : resource,
  );
}

describe('Token.presetDrift', () => {
  it('names what ALL, READ_ONLY and CLI gained since the token was created; CUSTOM and newer tokens gain nothing', async () => {
    const made = {
      ALL: await create({ preset: 'ALL' }),
      READ_ONLY: await create({ preset: 'READ_ONLY' }),
      CLI: await create({ preset: 'CLI' }),
      CUSTOM: await create({ preset: 'CUSTOM', permissions: ['components'] }),
    };
    for (const { id } of Object.values(made)) expect((await usageOf(id)).presetDrift).toEqual([]);

    // Same database, new code: two actions join the catalogue after these tokens were created.
    await server.restart({ catalogue: grownCatalogue(new Date().toISOString()) });
    // The session lives in the database: it survives the restart.
    expect((await usageOf(made.ALL.id)).presetDrift).toEqual(['components:deprecate', 'components:list']);
    expect((await usageOf(made.READ_ONLY.id)).presetDrift).toEqual(['components:list']);
    expect((await usageOf(made.CLI.id)).presetDrift).toEqual(['components:list']);
    expect((await usageOf(made.CUSTOM.id)).presetDrift).toEqual([]);
    // The new actions are listed with zero use, like any granted permission.
    expect(counts(await usageOf(made.CLI.id))['components:list']).toBe(0);
    // A token created after the actions were added has no drift.
    const newer = await create({ preset: 'ALL' });
    expect((await usageOf(newer.id)).presetDrift).toEqual([]);
    const catalogue = await server.gql<{
      permissionCatalogue: { actions: { permission: string; addedAt: string }[] }[];
    }>('{ permissionCatalogue { actions { permission addedAt } } }');
    const actions = catalogue.body.data?.permissionCatalogue.flatMap((resource) => resource.actions) ?? [];
    expect(actions.find((action) => action.permission === 'tokens:read')?.addedAt).toBe(
      '2026-11-23T00:00:00.000Z',
    );
  });
});
