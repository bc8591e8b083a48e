/**
 * `keyward add` as a subprocess: against the real server's seeded registry (free and Pro
 * components and blocks, with and without a token and a licence), and against a hostile fake
 * registry that sends paths outside --out.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliHome, createCliRecorder, leakedSecrets } from '../helpers/cli.js';
import { type MintedToken, mintToken } from '../helpers/cli-tokens.js';
import { startTestServer, type TestServer } from '../helpers/harness.js';

/** Each CLI run is a Node process loading TypeScript through tsx: allow for slow, busy machines. */
const SLOW = 120_000;

const cli = createCliRecorder();
const runCli = cli.run;
const home = cli.home;
const tempDir = cli.tempDir;
let server: TestServer;
let freeToken: MintedToken;
let proToken: MintedToken;

async function mint(cookie: string, input: Record<string, unknown> = {}): Promise<MintedToken> {
  const minted = await mintToken(server, cookie, input);
  cli.secrets.add(minted.secret);
  return minted;
}

/** A fresh home logged in with a token. */
async function loggedInHome(secret: string): Promise<CliHome> {
  const target = home();
  const result = await runCli(['login', '--token', secret], { home: target, apiUrl: server.url });
  expect(result.code, result.stderr).toBe(0);
  return target;
}

beforeAll(async () => {
  server = await startTestServer();
  const free = await server.seedAccount({ plan: 'free' });
  const pro = await server.seedAccount({ plan: 'pro' });
  freeToken = await mint(await server.login(free.email, free.password), { name: 'free laptop' });
  proToken = await mint(await server.login(pro.email, pro.password), { name: 'pro laptop' });
});

afterAll(async () => {
  await server.close();
  cli.cleanup();
});

describe.concurrent('keyward add (seeded registry)', { timeout: SLOW }, () => {
  it('add: installs a free component without a token from the public registry', async () => {
    const out = path.join(tempDir(), 'ui', 'button');
    const result = await runCli(['add', 'button', '--out', out], { home: home(), apiUrl: server.url });
    expect(result.code, result.stderr).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['button.css', 'button.tsx']);
    const source = await (await server.rest('/api/registry/button/source')).json();
    const tsx = source.files.find((file: { path: string }) => file.path === 'button.tsx');
    expect(readFileSync(path.join(out, 'button.tsx'), 'utf8')).toBe(tsx.content);
  });

  it('add: writes to ./components/<slug> by default and refuses to overwrite without --force', async () => {
    const cwd = tempDir();
    const target = home();
    const first = await runCli(['add', 'card'], { home: target, apiUrl: server.url, cwd });
    expect(first.code, first.stderr).toBe(0);
    const file = path.join(cwd, 'components', 'card', 'card.tsx');
    writeFileSync(file, '// my local edits\n');
    const again = await runCli(['add', 'card'], { home: target, apiUrl: server.url, cwd });
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('already exist');
    expect(again.stderr).toContain('--force');
    expect(readFileSync(file, 'utf8')).toBe('// my local edits\n');
    const forced = await runCli(['add', 'card', '--force'], { home: target, apiUrl: server.url, cwd });
    expect(forced.code, forced.stderr).toBe(0);
    expect(readFileSync(file, 'utf8')).not.toBe('// my local edits\n');
  });

  it('add: a Pro component without a token tells the user to log in, and writes nothing', async () => {
    const out = path.join(tempDir(), 'dt');
    const result = await runCli(['add', 'data-table', '--out', out], { home: home(), apiUrl: server.url });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('keyward login');
    expect(existsSync(out)).toBe(false);
  });

  it('add: a Pro component with a free-plan token fails with the licence message', async () => {
    const target = await loggedInHome(freeToken.secret);
    const out = path.join(tempDir(), 'dt');
    const result = await runCli(['add', 'data-table', '--out', out], { home: target, apiUrl: server.url });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/Pro component license/);
    expect(existsSync(out)).toBe(false);
  });

  it('add: a Pro component with a Pro token comes from /api/cli/<slug>', async () => {
    const target = await loggedInHome(proToken.secret);
    const out = path.join(tempDir(), 'dt');
    const result = await runCli(['add', 'data-table', '--out', out], { home: target, apiUrl: server.url });
    expect(result.code, result.stderr).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['data-table.css', 'data-table.tsx']);
  });

  it('add --type block: a premium block with a Pro token goes to ./blocks/<slug>', async () => {
    const cwd = tempDir();
    const target = await loggedInHome(proToken.secret);
    const args = ['add', 'pricing-section', '--type', 'block'];
    const result = await runCli(args, { home: target, apiUrl: server.url, cwd });
    expect(result.code, result.stderr).toBe(0);
    expect(readdirSync(path.join(cwd, 'blocks', 'pricing-section')).sort()).toEqual([
      'pricing-section.css',
      'pricing-section.tsx',
    ]);
    const anonymous = await runCli(args, { home: home(), apiUrl: server.url, cwd: tempDir() });
    expect(anonymous.code).toBe(1);
    expect(anonymous.stderr).toContain('keyward login');
    const unlicensed = await runCli(args, {
      home: home(),
      apiUrl: server.url,
      cwd: tempDir(),
      env: { KEYWARD_TOKEN: freeToken.secret },
    });
    expect(unlicensed.code).toBe(1);
    expect(unlicensed.stderr).toMatch(/premium block requires/);
  });

  it('add --type block: a free block installs without a token', async () => {
    const out = path.join(tempDir(), 'login');
    const result = await runCli(['add', 'login-form', '--type', 'block', '--out', out], {
      home: home(),
      apiUrl: server.url,
    });
    expect(result.code, result.stderr).toBe(0);
    expect(readdirSync(out)).toEqual(['login-form.tsx']);
  });

  it('add: an unknown slug prints the server message and exits 1', async () => {
    const result = await runCli(['add', 'no-such-thing', '--out', path.join(tempDir(), 'x')], {
      home: home(),
      apiUrl: server.url,
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('No component has that slug.');
  });
});

describe.concurrent('keyward add (hostile registry)', { timeout: SLOW }, () => {
  let fake: Server;
  let fakeUrl: string;
  const items: Record<string, { path: string; content: string }[]> = {
    'dot-dot': [
      { path: 'ok.txt', content: 'fine' },
      { path: 'nested/../../escape.txt', content: 'escaped' },
    ],
    absolute: [{ path: path.join(os.tmpdir(), 'keyward-absolute.txt'), content: 'escaped' }],
    backslash: [{ path: '..\\escape.txt', content: 'escaped' }],
    linked: [{ path: 'link/inside.txt', content: 'escaped' }],
  };

  beforeAll(async () => {
    fake = createServer((req, res) => {
      const slug = /^\/api\/(?:registry\/([^/?]+)\/source|cli\/([^/?]+))/.exec(req.url ?? '');
      const files = items[slug?.[1] ?? slug?.[2] ?? ''];
      res.writeHead(files ? 200 : 404, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify(
          files
            ? { slug: 'x', name: 'X', type: 'component', tier: 'free', version: '1.0.0', files }
            : { error: 'component_not_found', message: 'No component has that slug.' },
        ),
      );
    });
    await new Promise<void>((resolve) => fake.listen(0, '127.0.0.1', resolve));
    fakeUrl = `http://127.0.0.1:${(fake.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => fake.close(() => resolve())));

  it.each(['dot-dot', 'absolute', 'backslash'])(
    'add: refuses a %s path and writes no file at all',
    async (slug) => {
      const root = tempDir();
      const out = path.join(root, 'out');
      const result = await runCli(['add', slug, '--out', out], { home: home(), apiUrl: fakeUrl });
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('Refusing to write');
      expect(existsSync(out)).toBe(false);
      expect(readdirSync(root)).toEqual([]);
      expect(existsSync(path.join(os.tmpdir(), 'keyward-absolute.txt'))).toBe(false);
    },
  );

  it('add: refuses to write through a symbolic link inside --out that leads outside it', async () => {
    const root = tempDir();
    const out = path.join(root, 'out');
    const outside = path.join(root, 'outside');
    mkdirSync(out);
    mkdirSync(outside);
    symlinkSync(outside, path.join(out, 'link'));
    const result = await runCli(['add', 'linked', '--out', out], { home: home(), apiUrl: fakeUrl });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('leads outside');
    expect(readdirSync(outside)).toEqual([]);
  });
});

describe('secrets', () => {
  it('no `add` run ever printed a token secret', () => {
    expect(leakedSecrets(cli)).toEqual([]);
  });
});
