import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isKeywardError, type KeywardError } from '../../server/src/errors.js';
import { createLogger } from '../../server/src/logger.js';
import {
  bundledSeedDir,
  isSafeRelativePath,
  type RegistryItemMeta,
  RegistryService,
} from '../../server/src/registry/registry.service.js';
import { startTestServer, type TestServer } from '../helpers/harness.js';

const tempDirs: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'keyward-registry-'));
  tempDirs.push(dir);
  return dir;
}
afterAll(async () => {
  await Promise.all(tempDirs.map((dir) => fs.rm(dir, { recursive: true, force: true })));
});

function serviceIn(dir: string) {
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, callback) {
      logs.push(...String(chunk).split('\n').filter(Boolean));
      callback();
    },
  });
  return { registry: new RegistryService({ dir, logger: createLogger('debug', sink) }), logs };
}

async function caught(promise: Promise<unknown>): Promise<KeywardError> {
  try {
    await promise;
  } catch (error) {
    if (isKeywardError(error)) return error;
    throw error;
  }
  throw new Error('expected a KeywardError');
}

const seededSlugs = {
  components: ['button', 'card', 'use-debounce', 'data-table', 'command-palette'],
  blocks: ['login-form', 'pricing-section'],
};

describe('RegistryService', () => {
  it('registry service: the bundled seed lists free and pro components and blocks, and every listed file exists', async () => {
    const manifest = JSON.parse(await fs.readFile(path.join(bundledSeedDir, 'registry.json'), 'utf8')) as {
      items: RegistryItemMeta[];
    };
    const { registry } = serviceIn(bundledSeedDir);
    const items = await registry.list();
    expect(items).toHaveLength(manifest.items.length);
    expect(items.filter((item) => item.type === 'component').map((item) => item.slug)).toEqual(
      seededSlugs.components,
    );
    expect(items.filter((item) => item.type === 'block').map((item) => item.slug)).toEqual(
      seededSlugs.blocks,
    );
    expect(new Set(items.map((item) => `${item.type}/${item.tier}`))).toEqual(
      new Set(['component/free', 'component/pro', 'block/free', 'block/pro']),
    );
    for (const item of items) {
      const files = await registry.readSource(item);
      expect(files.map((file) => file.path)).toEqual(item.files);
      for (const file of files) expect(file.content.length).toBeGreaterThan(200);
    }
  });

  it('registry service: ensureSeeded copies the sample registry into a missing dir', async () => {
    const dir = path.join(await tempDir(), 'nested', 'registry');
    const { registry } = serviceIn(dir);
    await registry.ensureSeeded();
    expect(existsSync(path.join(dir, 'registry.json'))).toBe(true);
    expect(existsSync(path.join(dir, 'components', 'data-table', 'data-table.tsx'))).toBe(true);
    expect(existsSync(path.join(dir, 'blocks', 'pricing-section', 'pricing-section.tsx'))).toBe(true);
    expect((await fs.readdir(dir)).filter((name) => name.endsWith('.tmp'))).toEqual([]);
    const button = await registry.find('component', 'button');
    expect(button).toMatchObject({ slug: 'button', type: 'component', tier: 'free' });
    const [first] = await registry.readSource(button!);
    expect(first?.content).toMatch(/export function Button/);
  });

  it('registry service: ensureSeeded never overwrites an existing registry', async () => {
    const dir = await tempDir();
    const custom = { items: [{ ...item('only-one'), files: ['only-one.ts'] }] };
    await fs.writeFile(path.join(dir, 'registry.json'), JSON.stringify(custom));
    const { registry } = serviceIn(dir);
    await registry.ensureSeeded();
    expect(JSON.parse(await fs.readFile(path.join(dir, 'registry.json'), 'utf8'))).toEqual(custom);
    expect(existsSync(path.join(dir, 'components'))).toBe(false);
    expect((await registry.list()).map((entry) => entry.slug)).toEqual(['only-one']);
  });

  it('registry service: seeding a dir without registry.json keeps files already there', async () => {
    const dir = await tempDir();
    await fs.mkdir(path.join(dir, 'components', 'button'), { recursive: true });
    await fs.writeFile(path.join(dir, 'components', 'button', 'button.tsx'), 'export const mine = 1;\n');
    const { registry } = serviceIn(dir);
    await registry.ensureSeeded();
    expect(await fs.readFile(path.join(dir, 'components', 'button', 'button.tsx'), 'utf8')).toBe(
      'export const mine = 1;\n',
    );
    expect(existsSync(path.join(dir, 'registry.json'))).toBe(true);
    expect(existsSync(path.join(dir, 'components', 'card', 'card.tsx'))).toBe(true);
  });

  it('registry service: a missing source file is component_source_unreadable / block_source_unreadable, the path only in the log', async () => {
    const dir = await tempDir();
    const { registry, logs } = serviceIn(dir);
    await registry.ensureSeeded();
    await fs.rm(path.join(dir, 'components', 'card', 'card.css'));
    await fs.rm(path.join(dir, 'blocks', 'login-form', 'login-form.tsx'));

    const component = await caught(registry.readSource((await registry.find('component', 'card'))!));
    expect(component.code).toBe('component_source_unreadable');
    expect(component.status).toBe(500);
    expect(component.message).not.toContain(dir);
    expect(component.message).not.toMatch(/card\.css|\/|\\/);

    const block = await caught(registry.readSource((await registry.find('block', 'login-form'))!));
    expect(block.code).toBe('block_source_unreadable');
    expect(block.message).not.toContain(dir);

    const logged = logs.join('\n');
    expect(logged).toContain(path.join(dir, 'components', 'card', 'card.css'));
    expect(logged).toMatch(/"level":40/);
  });

  it('registry service: traversal and invalid slugs are not found', async () => {
    const dir = await tempDir();
    const { registry } = serviceIn(dir);
    await registry.ensureSeeded();
    for (const slug of [
      '../registry',
      '..',
      'button/../card',
      '',
      'Button',
      '-button',
      'a'.repeat(65),
      '%2e%2e',
    ]) {
      expect(await registry.find('component', slug)).toBeNull();
      expect(await registry.findAny(slug)).toBeNull();
    }
    expect(await registry.find('block', 'button')).toBeNull();
    expect((await registry.findAny('login-form'))?.type).toBe('block');
  });

  it('registry service: manifest entries with unsafe slugs or file names are skipped; readSource refuses them anyway', async () => {
    const dir = await tempDir();
    await fs.mkdir(path.join(dir, 'components', 'good'), { recursive: true });
    await fs.writeFile(path.join(dir, 'components', 'good', 'good.ts'), 'export const good = true;\n');
    await fs.writeFile(path.join(dir, 'secret.txt'), 'do not serve');
    const entries = [
      item('good'),
      { ...item('evil-file'), files: ['../../secret.txt'] },
      { ...item('abs-file'), files: ['/etc/passwd'] },
      { ...item('back-slash'), files: ['..\\secret.txt'] },
      item('../escape'),
      { ...item('bad-tier'), tier: 'gold' },
      item('good'),
    ];
    await fs.writeFile(path.join(dir, 'registry.json'), JSON.stringify({ items: entries }));
    const { registry, logs } = serviceIn(dir);
    expect((await registry.list()).map((entry) => entry.slug)).toEqual(['good']);
    expect(logs.filter((line) => line.includes('registry entry skipped'))).toHaveLength(6);
    expect(await registry.readSource((await registry.find('component', 'good'))!)).toEqual([
      { path: 'good.ts', content: 'export const good = true;\n' },
    ]);
    // An item handed in directly (not from the manifest) is checked again.
    const forged: RegistryItemMeta = { ...item('good'), files: ['../../secret.txt'] };
    expect((await caught(registry.readSource(forged))).code).toBe('component_source_unreadable');
    expect((await caught(registry.readSource({ ...item('good'), slug: '../components/good' }))).code).toBe(
      'component_source_unreadable',
    );
    for (const bad of ['', '.', 'a/../b', 'a//b', 'C:/x', 'a\0b'])
      expect(isSafeRelativePath(bad)).toBe(false);
    for (const good of ['a.ts', 'lib/a.ts', '.eslintrc.json']) expect(isSafeRelativePath(good)).toBe(true);
  });

  it('registry service: edits to registry.json are picked up without a restart', async () => {
    const dir = await tempDir();
    await fs.writeFile(path.join(dir, 'registry.json'), JSON.stringify({ items: [item('one')] }));
    const { registry } = serviceIn(dir);
    expect((await registry.list()).map((entry) => entry.slug)).toEqual(['one']);
    await fs.writeFile(
      path.join(dir, 'registry.json'),
      JSON.stringify({ items: [item('one'), item('two')] }),
    );
    expect((await registry.list()).map((entry) => entry.slug)).toEqual(['one', 'two']);
  });

  it('registry service: an unreadable manifest fails with internal_error and no path', async () => {
    const dir = await tempDir();
    await fs.writeFile(path.join(dir, 'registry.json'), '{ not json');
    const { registry, logs } = serviceIn(dir);
    const error = await caught(registry.list());
    expect(error.code).toBe('internal_error');
    expect(error.message).not.toContain(dir);
    expect(logs.join('\n')).toContain(dir);
  });
});

function item(slug: string): RegistryItemMeta {
  return {
    slug,
    name: slug,
    description: `The ${slug} item.`,
    type: 'component',
    tier: 'free',
    version: '1.0.0',
    files: [`${slug}.ts`],
  };
}

// ---------------------------------------------------------------------------------------------
// HTTP

const CREATE_TOKEN =
  'mutation($input: CreateTokenInput!) { createToken(input: $input) { secret token { id } } }';

async function expectError(response: Response, status: number, code: string): Promise<{ message: string }> {
  expect(response.status).toBe(status);
  const body = (await response.json()) as Record<string, unknown>;
  expect(Object.keys(body).sort()).toEqual(['error', 'message', 'requestId']);
  expect(body.error).toBe(code);
  expect(typeof body.message).toBe('string');
  expect(body.requestId).toBe(response.headers.get('x-request-id'));
  return body as { message: string };
}

interface SourceBody {
  slug: string;
  name: string;
  type: string;
  tier: string;
  version: string;
  files: { path: string; content: string }[];
}

describe('registry REST routes', () => {
  let server: TestServer;
  let registryDir: string;
  const cookies: Record<'free' | 'pro' | 'team', string> = { free: '', pro: '', team: '' };
  const tokens = { freeCli: '', proCli: '', teamCli: '', proNoComponents: '', proNoBlocks: '' };

  async function createToken(cookie: string, input: Record<string, unknown>): Promise<string> {
    const response = await server.gql<{ createToken: { secret: string } }>(
      CREATE_TOKEN,
      { input: { name: `t-${randomBytes(3).toString('hex')}`, ...input } },
      { cookie },
    );
    const secret = response.body.data?.createToken.secret;
    if (!secret) throw new Error(`createToken failed: ${JSON.stringify(response.body)}`);
    return secret;
  }

  beforeAll(async () => {
    const base = await tempDir();
    registryDir = path.join(base, 'registry');
    server = await startTestServer({ KEYWARD_DATA_DIR: base, KEYWARD_REGISTRY_DIR: registryDir });
    for (const plan of ['free', 'pro', 'team'] as const) {
      const { email, password } = await server.seedAccount({ plan });
      cookies[plan] = await server.login(email, password);
    }
    tokens.freeCli = await createToken(cookies.free, { preset: 'CLI' });
    tokens.proCli = await createToken(cookies.pro, { preset: 'CLI' });
    tokens.teamCli = await createToken(cookies.team, { preset: 'CLI' });
    tokens.proNoComponents = await createToken(cookies.pro, {
      preset: 'CUSTOM',
      permissions: ['account:read', 'blocks:read'],
    });
    tokens.proNoBlocks = await createToken(cookies.pro, {
      preset: 'CUSTOM',
      permissions: ['account:read', 'components:read'],
    });
  });
  afterAll(() => server?.close());

  it('registry boot: the sample registry is seeded into KEYWARD_REGISTRY_DIR', () => {
    expect(existsSync(path.join(registryDir, 'registry.json'))).toBe(true);
    expect(existsSync(path.join(registryDir, 'components', 'command-palette', 'command-palette.tsx'))).toBe(
      true,
    );
  });

  it('GET /api/registry: public metadata of every component and block, file names but never source', async () => {
    const response = await server.rest('/api/registry');
    expect(response.status).toBe(200);
    expect(response.headers.get('ratelimit-limit')).toBeTruthy();
    const body = (await response.json()) as { components: RegistryItemMeta[]; blocks: RegistryItemMeta[] };
    expect(body.components.map((entry) => entry.slug)).toEqual(seededSlugs.components);
    expect(body.blocks.map((entry) => entry.slug)).toEqual(seededSlugs.blocks);
    expect(body.components.find((entry) => entry.slug === 'data-table')).toMatchObject({
      name: 'Data Table',
      type: 'component',
      tier: 'pro',
      files: ['data-table.tsx', 'data-table.css'],
    });
    expect(JSON.stringify(body)).not.toMatch(/"content"|import \{|useState/);
  });

  it('GET /api/registry/<slug>: one item, components first then blocks; unknown → component_not_found', async () => {
    const component = await server.rest('/api/registry/command-palette');
    expect(component.status).toBe(200);
    expect(await component.json()).toMatchObject({ slug: 'command-palette', type: 'component', tier: 'pro' });
    const block = await server.rest('/api/registry/pricing-section');
    expect(await block.json()).toMatchObject({ slug: 'pricing-section', type: 'block', tier: 'pro' });
    await expectError(await server.rest('/api/registry/no-such-thing'), 404, 'component_not_found');
    await expectError(await server.rest('/api/registry/..%2F..%2Fetc'), 404, 'component_not_found');
    await expectError(await server.rest('/api/registry/button?type=block'), 404, 'block_not_found');
  });

  it('GET /api/registry/<slug>/source: free source for anyone, even with a stale cookie', async () => {
    for (const init of [{}, { cookie: 'keyward_session=not-a-real-session' }]) {
      const response = await server.rest('/api/registry/button/source', init);
      expect(response.status).toBe(200);
      const body = (await response.json()) as SourceBody;
      expect(body).toMatchObject({ slug: 'button', name: 'Button', type: 'component', tier: 'free' });
      expect(body.files.map((file) => file.path)).toEqual(['button.tsx', 'button.css']);
      expect(body.files[0]?.content).toMatch(/export function Button/);
    }
    const block = await server.rest('/api/registry/login-form/source');
    expect(block.status).toBe(200);
    expect(((await block.json()) as SourceBody).files[0]?.content).toMatch(/export function LoginForm/);
  });

  it('GET /api/registry/<slug>/source: pro source needs a session (401 unauthenticated) and a licence (403 pro_license_required)', async () => {
    await expectError(await server.rest('/api/registry/data-table/source'), 401, 'unauthenticated');
    await expectError(
      await server.rest('/api/registry/data-table/source', { cookie: 'keyward_session=bogus' }),
      401,
      'unauthenticated',
    );
    // A bearer token is not a browser session.
    await expectError(
      await server.rest('/api/registry/data-table/source', { token: tokens.proCli }),
      401,
      'unauthenticated',
    );
    const unlicensed = await expectError(
      await server.rest('/api/registry/data-table/source', { cookie: cookies.free }),
      403,
      'pro_license_required',
    );
    expect(unlicensed.message).toMatch(/pro or team/);
    await expectError(
      await server.rest('/api/registry/pricing-section/source', { cookie: cookies.free }),
      403,
      'pro_license_required',
    );
    for (const cookie of [cookies.pro, cookies.team]) {
      const response = await server.rest('/api/registry/data-table/source', { cookie });
      expect(response.status).toBe(200);
      const body = (await response.json()) as SourceBody;
      expect(body).toMatchObject({ slug: 'data-table', tier: 'pro', version: '1.2.0' });
      expect(body.files.map((file) => file.path)).toEqual(['data-table.tsx', 'data-table.css']);
      expect(body.files[0]?.content).toMatch(/export function DataTable/);
    }
    await expectError(
      await server.rest('/api/registry/nope/source', { cookie: cookies.pro }),
      404,
      'component_not_found',
    );
  });

  it('GET /api/cli/<slug>: missing token 401, insufficient_scope naming components:read, licence, then source', async () => {
    await expectError(await server.rest('/api/cli/data-table'), 401, 'missing_token');
    // A session cookie is not a bearer token.
    await expectError(
      await server.rest('/api/cli/data-table', { cookie: cookies.pro }),
      401,
      'missing_token',
    );
    await expectError(
      await server.rest('/api/cli/data-table', { token: 'kw_nonsense' }),
      401,
      'invalid_token',
    );
    const scope = await expectError(
      await server.rest('/api/cli/data-table', { token: tokens.proNoComponents }),
      403,
      'insufficient_scope',
    );
    expect(scope.message).toContain('components:read');
    const licence = await expectError(
      await server.rest('/api/cli/data-table', { token: tokens.freeCli }),
      403,
      'pro_license_required',
    );
    expect(licence.message).toMatch(/Pro component license/);
    for (const token of [tokens.proCli, tokens.teamCli, tokens.proNoBlocks]) {
      const response = await server.rest('/api/cli/data-table', { token });
      expect(response.status).toBe(200);
      expect(response.headers.get('ratelimit-limit')).toBe('120');
      const body = (await response.json()) as SourceBody;
      expect(body).toMatchObject({ slug: 'data-table', name: 'Data Table', type: 'component', tier: 'pro' });
      expect(body.files.map((file) => file.path)).toEqual(['data-table.tsx', 'data-table.css']);
    }
  });

  it('GET /api/cli/<slug>: free components are served to any token with components:read; unknown and block slugs are component_not_found', async () => {
    const response = await server.rest('/api/cli/use-debounce', { token: tokens.freeCli });
    expect(response.status).toBe(200);
    const body = (await response.json()) as SourceBody;
    expect(body).toMatchObject({ slug: 'use-debounce', tier: 'free' });
    expect(body.files[0]?.content).toMatch(/export function useDebounce/);
    await expectError(
      await server.rest('/api/cli/nope', { token: tokens.proCli }),
      404,
      'component_not_found',
    );
    await expectError(
      await server.rest('/api/cli/pricing-section', { token: tokens.proCli }),
      404,
      'component_not_found',
    );
    await expectError(
      await server.rest('/api/cli/..%2Fregistry.json', { token: tokens.proCli }),
      404,
      'component_not_found',
    );
    // Scope is checked before existence: a token without the permission learns nothing.
    await expectError(
      await server.rest('/api/cli/nope', { token: tokens.proNoComponents }),
      403,
      'insufficient_scope',
    );
  });

  it('GET /api/cli/blocks/<slug>: blocks:read, block_not_found, premium blocks need a licence', async () => {
    await expectError(await server.rest('/api/cli/blocks/pricing-section'), 401, 'missing_token');
    const scope = await expectError(
      await server.rest('/api/cli/blocks/pricing-section', { token: tokens.proNoBlocks }),
      403,
      'insufficient_scope',
    );
    expect(scope.message).toContain('blocks:read');
    await expectError(
      await server.rest('/api/cli/blocks/pricing-section', { token: tokens.freeCli }),
      403,
      'pro_license_required',
    );
    await expectError(
      await server.rest('/api/cli/blocks/nope', { token: tokens.proCli }),
      404,
      'block_not_found',
    );
    await expectError(
      await server.rest('/api/cli/blocks/button', { token: tokens.proCli }),
      404,
      'block_not_found',
    );
    const premium = await server.rest('/api/cli/blocks/pricing-section', { token: tokens.proNoComponents });
    expect(premium.status).toBe(200);
    const body = (await premium.json()) as SourceBody;
    expect(body).toMatchObject({ slug: 'pricing-section', type: 'block', tier: 'pro' });
    expect(body.files.map((file) => file.path)).toEqual(['pricing-section.tsx', 'pricing-section.css']);
    const free = await server.rest('/api/cli/blocks/login-form', { token: tokens.freeCli });
    expect(free.status).toBe(200);
    expect(((await free.json()) as SourceBody).type).toBe('block');
  });

  it('source routes: unreadable source is a 500 *_source_unreadable that never names a path', async () => {
    await fs.rm(path.join(registryDir, 'components', 'card', 'card.css'));
    await fs.rm(path.join(registryDir, 'blocks', 'login-form', 'login-form.tsx'));
    for (const [url, init, code] of [
      ['/api/cli/card', { token: tokens.proCli }, 'component_source_unreadable'],
      ['/api/registry/card/source', {}, 'component_source_unreadable'],
      ['/api/cli/blocks/login-form', { token: tokens.proCli }, 'block_source_unreadable'],
    ] as const) {
      const response = await server.rest(url, init);
      const { message } = await expectError(response, 500, code);
      expect(message).not.toContain(registryDir);
      expect(message).not.toMatch(/\.css|\.tsx|\//);
    }
    expect(server.logs.join('\n')).toContain(path.join(registryDir, 'components', 'card', 'card.css'));
  });
});

describe('registry rate limit (60 per minute per IP)', () => {
  let server: TestServer;
  beforeAll(async () => {
    const base = await tempDir();
    server = await startTestServer(
      { KEYWARD_DATA_DIR: base, KEYWARD_REGISTRY_DIR: path.join(base, 'registry') },
      { limits: 'published' },
    );
  });
  afterAll(() => server?.close());

  it('GET /api/registry*: 60 requests pass, the 61st is 429 with RateLimit-Limit 60, Retry-After, scope ip and source registry', async () => {
    for (let index = 1; index <= 60; index++) {
      const url =
        index % 3 === 0
          ? '/api/registry/button'
          : index % 3 === 1
            ? '/api/registry'
            : '/api/registry/card/source';
      const response = await server.rest(url);
      expect(response.status).toBe(200);
      expect(response.headers.get('ratelimit-limit')).toBe('60');
      expect(response.headers.get('ratelimit-remaining')).toBe(String(60 - index));
      await response.arrayBuffer();
    }
    const limited = await server.rest('/api/registry');
    await expectError(limited, 429, 'rate_limit_exceeded');
    expect(limited.headers.get('ratelimit-limit')).toBe('60');
    expect(limited.headers.get('ratelimit-remaining')).toBe('0');
    const retryAfter = Number(limited.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(limited.headers.get('x-ratelimit-scope')).toBe('ip');
    expect(limited.headers.get('x-ratelimit-source')).toBe('registry');
    expect(limited.headers.get('x-request-id')).toBeTruthy();
  });
});
