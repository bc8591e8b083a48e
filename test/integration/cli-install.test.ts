/**
 * `keyward list`, the keyward.json that `add` writes and `update` reads, and a global install
 * (`npm install -g ./cli`) used from another folder, as subprocesses against a real server.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliHome, type CliResult, createCliRecorder, leakedSecrets, REPO_ROOT } from '../helpers/cli.js';
import { type MintedToken, mintToken, revokeWithCookie } from '../helpers/cli-tokens.js';
import { startTestServer, type TestServer } from '../helpers/harness.js';

const SLOW = 120_000;
const cli = createCliRecorder();
let server: TestServer;
let registryDir: string;
let cookie: string;

function run(args: string[], home: CliHome, cwd: string, bin?: string): Promise<CliResult> {
  return cli.run(args, { home, apiUrl: server.url, cwd, ...(bin ? { bin } : {}) });
}

async function loggedIn(): Promise<{ home: CliHome; token: MintedToken }> {
  const token = await mintToken(server, cookie, { name: 'installer' });
  cli.secrets.add(token.secret);
  const home = cli.home();
  const login = await run(['login', '--token', token.secret], home, cli.tempDir());
  expect(login.code, login.stderr).toBe(0);
  return { home, token };
}

interface Manifest {
  installed: { slug: string; type: string; out: string; version?: string; files: Record<string, string> }[];
}

const manifestIn = (project: string) =>
  JSON.parse(readFileSync(path.join(project, 'keyward.json'), 'utf8')) as Manifest;

beforeAll(async () => {
  registryDir = path.join(cli.tempDir(), 'registry');
  server = await startTestServer({ KEYWARD_REGISTRY_DIR: registryDir });
  const seeded = await server.seedAccount({ plan: 'pro' });
  cookie = await server.login(seeded.email, seeded.password);
});

afterAll(async () => {
  await server.close();
  cli.cleanup();
});

describe.concurrent('keyward list, add and update', { timeout: SLOW }, () => {
  it('list: what add can install, from GET /api/registry', async () => {
    const home = cli.home();
    const registry = (await (await server.rest('/api/registry')).json()) as {
      components: { slug: string }[];
    };
    const json = await run(['list', '--json'], home, cli.tempDir());
    expect(json.code, json.stderr).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual(registry);
    const text = await run(['list', '--type', 'component'], home, cli.tempDir());
    expect(text.code, text.stderr).toBe(0);
    for (const item of registry.components) expect(text.stdout).toContain(item.slug);
    expect(text.stdout).not.toContain('Blocks');
  });

  it('update: re-fetches what add recorded, keeps local edits unless --force, and fails once revoked', async () => {
    const { home, token } = await loggedIn();
    const project = cli.tempDir();
    const added = await run(['add', 'button'], home, project);
    expect(added.code, added.stderr).toBe(0);
    const [entry] = manifestIn(project).installed;
    expect(entry).toMatchObject({
      slug: 'button',
      type: 'component',
      out: path.join('components', 'button'),
    });
    expect(Object.keys(entry?.files ?? {}).sort()).toEqual(['button.css', 'button.tsx']);

    const upToDate = await run(['update', '--json'], home, project);
    expect(upToDate.code, upToDate.stderr).toBe(0);
    expect(JSON.parse(upToDate.stdout).updated[0]).toMatchObject({
      slug: 'button',
      written: [],
      conflicts: [],
    });

    // Upstream changes one file; the user edited the other.
    const upstream = path.join(registryDir, 'components', 'button', 'button.tsx');
    writeFileSync(upstream, `${readFileSync(upstream, 'utf8')}\n// v2\n`);
    const localCss = path.join(project, 'components', 'button', 'button.css');
    writeFileSync(localCss, '/* mine */\n');
    const kept = await run(['update'], home, project);
    expect(kept.code).toBe(1);
    expect(kept.stdout).toContain('Updated button');
    expect(kept.stderr).toContain('button.css was changed locally; kept');
    expect(readFileSync(path.join(project, 'components', 'button', 'button.tsx'), 'utf8')).toContain('// v2');
    expect(readFileSync(localCss, 'utf8')).toBe('/* mine */\n');

    const forced = await run(['update', 'button', '--force'], home, project);
    expect(forced.code, forced.stderr).toBe(0);
    expect(readFileSync(localCss, 'utf8')).not.toBe('/* mine */\n');

    await revokeWithCookie(server, cookie, token.token.id);
    const revoked = await run(['update', '--json'], home, project);
    expect(revoked.code).toBe(1);
    expect(JSON.parse(revoked.stderr.trim())).toMatchObject({ error: 'token_revoked' });
    const serverMessage = JSON.parse(revoked.stderr.trim()).message as string;
    for (const args of [['whoami'], ['add', 'card']]) {
      const result = await run(args, home, project);
      expect(result.code, args.join(' ')).toBe(1);
      expect(result.stderr).toContain(serverMessage);
    }
  });

  it('update: with no keyward.json says there is nothing to update', async () => {
    const result = await run(['update'], cli.home(), cli.tempDir());
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('Nothing to update');
  });
});

describe('global install', { timeout: SLOW }, () => {
  it('npm install -g ./cli gives a keyward that works from any folder', async () => {
    const prefix = cli.tempDir();
    await promisify(execFile)(
      'npm',
      ['install', '-g', '--prefix', prefix, '--no-audit', '--no-fund', './cli'],
      {
        cwd: REPO_ROOT,
      },
    );
    const bin = path.join(prefix, 'bin', 'keyward');
    const elsewhere = path.join(cli.tempDir(), 'some', 'project');
    mkdirSync(elsewhere, { recursive: true });
    const { home, token } = await loggedIn();
    const version = await run(['--version'], home, elsewhere, bin);
    expect(version.code, version.stderr).toBe(0);
    const pkg = JSON.parse(readFileSync(path.join(REPO_ROOT, 'cli/package.json'), 'utf8')) as {
      version: string;
    };
    expect(version.stdout.trim()).toBe(pkg.version);
    const whoami = await run(['whoami', '--json'], home, elsewhere, bin);
    expect(whoami.code, whoami.stderr).toBe(0);
    expect(JSON.parse(whoami.stdout).token).toMatchObject({ id: token.token.id, name: 'installer' });
    rmSync(prefix, { recursive: true, force: true });
  });
});

describe('secrets', () => {
  it('no output held a secret', () => {
    expect(leakedSecrets(cli)).toEqual([]);
  });
});
