/**
 * `keyward token create|list|revoke|scopes` as a subprocess against a real server: everything goes
 * through POST /graphql with the saved token, and is checked back through GraphQL.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliHome, type CliResult, createCliRecorder, leakedSecrets } from '../helpers/cli.js';
import { type MintedToken, mintToken, revokeWithCookie } from '../helpers/cli-tokens.js';
import { startTestServer, type TestServer } from '../helpers/harness.js';

const TOKEN = `query($id: ID!) { token(id: $id) { id name description preset permissions status expiresAt } }`;
const CATALOGUE = '{ permissionCatalogue { name actions { permission kind cli } } }';
const SET_ACTIVE = 'mutation($id: ID!) { setTokenActive(id: $id, active: false) { status } }';
const SECRET_PATTERN = /kw_[0-9A-Za-z]{36}/g;

interface TokenState {
  id: string;
  name: string;
  description: string | null;
  preset: string;
  permissions: string[];
  status: string;
  expiresAt: string | null;
}

/** Each CLI run is a Node process loading TypeScript through tsx: allow for slow, busy machines. */
const SLOW = 120_000;

const cli = createCliRecorder();
let server: TestServer;

/** `token create` runs may print their new secret (collected so every other run is checked for it). */
async function runCli(args: string[], home: CliHome): Promise<CliResult> {
  const creates = args[1] === 'create';
  const result = await cli.run(args, { home, apiUrl: server.url }, creates);
  if (creates) for (const secret of result.stdout.match(SECRET_PATTERN) ?? []) cli.secrets.add(secret);
  return result;
}

function newHome(): CliHome {
  return cli.home();
}

/** A new account with a verified email, its cookie, and a CLI home logged in with an ALL token. */
async function account(): Promise<{ cookie: string; home: CliHome; bootstrap: MintedToken }> {
  const seeded = await server.seedAccount({ plan: 'pro' });
  const cookie = await server.login(seeded.email, seeded.password);
  const bootstrap = await mintToken(server, cookie, { name: 'bootstrap', preset: 'ALL' });
  cli.secrets.add(bootstrap.secret);
  const home = newHome();
  const login = await cli.run(['login', '--token', bootstrap.secret], { home, apiUrl: server.url });
  expect(login.code, login.stderr).toBe(0);
  return { cookie, home, bootstrap };
}

async function tokenState(cookie: string, id: string): Promise<TokenState> {
  const response = await server.gql<{ token: TokenState }>(TOKEN, { id }, { cookie });
  const token = response.body.data?.token;
  if (!token) throw new Error(`no token ${id}: ${JSON.stringify(response.body)}`);
  return token;
}

async function mint(cookie: string, input: Record<string, unknown> = {}): Promise<MintedToken> {
  const minted = await mintToken(server, cookie, input);
  cli.secrets.add(minted.secret);
  return minted;
}

function createdId(stdout: string): string {
  const id = /ID:\s+[0-9a-f]{8} \(([0-9a-f-]{36})\)/.exec(stdout)?.[1];
  if (!id) throw new Error(`no id in:\n${stdout}`);
  return id;
}

beforeAll(async () => {
  server = await startTestServer();
});

afterAll(async () => {
  await server.close();
  cli.cleanup();
});

describe.concurrent('keyward token create', { timeout: SLOW }, () => {
  it('create: defaults to the cli preset and prints the secret once, with the warning and the header', async () => {
    const { cookie, home } = await account();
    const result = await runCli(['token', 'create', 'laptop'], home);
    expect(result.code, result.stderr).toBe(0);
    const [secret] = result.stdout.match(SECRET_PATTERN) ?? [];
    expect(secret).toBeDefined();
    expect(result.stdout).toContain('will not be shown again');
    expect(result.stdout).toContain(`Authorization: Bearer ${secret}`);
    expect(result.stdout).toMatch(/Name:\s+laptop/);
    expect(result.stdout).toMatch(/Scopes:\s+.*tokens:create.*\(preset cli\)/);
    expect(result.stdout).toMatch(/Expires:\s+never/);
    const state = await tokenState(cookie, createdId(result.stdout));
    expect(state).toMatchObject({ name: 'laptop', preset: 'CLI', status: 'ACTIVE', expiresAt: null });
    // The printed secret is the real one: it authenticates.
    const whoami = await server.rest('/api/cli/whoami', { token: secret });
    expect(whoami.status).toBe(200);
  });

  it('create: --scopes, --expires and --description make a CUSTOM token with that expiry', async () => {
    const { cookie, home } = await account();
    const args = ['token', 'create', 'ci', '--scopes', 'components:read, blocks:read', '--expires', '30'];
    const result = await runCli([...args, '--description', 'CI installs'], home);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/Scopes:\s+blocks:read, components:read\n/);
    const state = await tokenState(cookie, createdId(result.stdout));
    expect(state).toMatchObject({
      preset: 'CUSTOM',
      permissions: ['blocks:read', 'components:read'],
      description: 'CI installs',
    });
    const days = (Date.parse(state.expiresAt ?? '') - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(29.9);
    expect(days).toBeLessThanOrEqual(30);
  });

  it.each([
    ['all', 'ALL'],
    ['read-only', 'READ_ONLY'],
    ['cli', 'CLI'],
  ])('create --preset %s makes a %s token', async (preset, expected) => {
    const { cookie, home } = await account();
    const result = await runCli(['token', 'create', `p-${preset}`, '--preset', preset], home);
    expect(result.code, result.stderr).toBe(0);
    expect((await tokenState(cookie, createdId(result.stdout))).preset).toBe(expected);
  });

  it('create --json: prints the secret and the token for scripts', async () => {
    const { cookie, home } = await account();
    const result = await runCli(['token', 'create', 'script', '--json', '--preset', 'read-only'], home);
    expect(result.code, result.stderr).toBe(0);
    const body = JSON.parse(result.stdout);
    expect(body.secret).toMatch(/^kw_[0-9A-Za-z]{36}$/);
    expect(body.token).toMatchObject({ name: 'script', preset: 'READ_ONLY', status: 'ACTIVE' });
    expect((await tokenState(cookie, body.token.id)).name).toBe('script');
  });

  it('create: usage errors exit 2 (both --scopes and --preset, a bad --expires, no name)', async () => {
    const { home } = await account();
    for (const args of [
      ['token', 'create', 'x', '--scopes', 'tokens:read', '--preset', 'all'],
      ['token', 'create', 'x', '--expires', '0'],
      ['token', 'create', 'x', '--expires', 'soon'],
      ['token', 'create', 'x', '--preset', 'everything'],
      ['token', 'create'],
    ]) {
      const result = await runCli(args, home);
      expect(result.code, `${args.join(' ')}\n${result.stderr}`).toBe(2);
    }
  });

  it('create: an unknown scope prints the server message and exits 1', async () => {
    const { home } = await account();
    const result = await runCli(['token', 'create', 'x', '--scopes', 'nope:nothing'], home);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('nope:nothing');
  });

  it('create: a token without tokens:create gets the insufficient_scope message', async () => {
    const { cookie } = await account();
    const readOnly = await mint(cookie, { name: 'reader', preset: 'READ_ONLY' });
    const home = newHome();
    await cli.run(['login', '--token', readOnly.secret], { home, apiUrl: server.url });
    const result = await runCli(['token', 'create', 'x'], home);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('tokens:create');
  });
});

describe.concurrent('keyward token on the free plan', { timeout: SLOW }, () => {
  /** A free account's cookie and a CLI home logged in with its ALL token (whoami reads, so login works). */
  async function freeAccount() {
    const seeded = await server.seedAccount({ plan: 'free' });
    const cookie = await server.login(seeded.email, seeded.password);
    const login = await mint(cookie, { name: 'free login', preset: 'ALL' });
    const home = newHome();
    const result = await cli.run(['login', '--token', login.secret], { home, apiUrl: server.url });
    expect(result.code, result.stderr).toBe(0);
    return { cookie, home, login };
  }

  it('create and revoke print the plan refusal with what to do, exit 1 and change nothing; list works', async () => {
    const { cookie, home } = await freeAccount();
    const target = await mint(cookie, { name: 'keep me' });
    for (const args of [
      ['token', 'create', 'x'],
      ['token', 'revoke', target.token.id],
    ]) {
      const result = await runCli(args, home);
      expect(result.code, result.stdout).toBe(1);
      expect(result.stderr).toContain("The free plan's API tokens are read-only");
      expect(result.stderr).toContain("Upgrade the account's plan (pro or team)");
      expect(result.stdout).toBe('');
    }
    expect((await tokenState(cookie, target.token.id)).status).toBe('ACTIVE');
    const list = await runCli(['token', 'list'], home);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toContain('keep me');
  });

  it('create --json prints the code plan_upgrade_required and the hint', async () => {
    const { home } = await freeAccount();
    const result = await runCli(['token', 'create', 'x', '--json'], home);
    expect(result.code).toBe(1);
    const error = JSON.parse(result.stderr.trim()) as { error: string; hint?: string };
    expect(error.error).toBe('plan_upgrade_required');
    expect(error.hint).toMatch(/Upgrade the account's plan/);
  });
});

describe.concurrent('keyward token list', { timeout: SLOW }, () => {
  it('list: shows prefix, name, short id, scopes, last use, expiry and status markers', async () => {
    const { cookie, home, bootstrap } = await account();
    const revoked = await mint(cookie, { name: 'old deploy key' });
    await revokeWithCookie(server, cookie, revoked.token.id);
    const inactive = await mint(cookie, { name: 'paused', preset: 'READ_ONLY' });
    await server.gql(SET_ACTIVE, { id: inactive.token.id }, { cookie });
    const expired = await mint(cookie, { name: 'expired one', expiresInDays: 1 });
    await server.sql("update api_token set expires_at = now() - interval '3 days' where id = $1", [
      expired.token.id,
    ]);
    const used = await mint(cookie, { name: 'busy', preset: 'CUSTOM', permissions: ['tokens:read'] });
    await server.sql("update api_token set last_used_at = now() - interval '2 hours' where id = $1", [
      used.token.id,
    ]);

    const result = await runCli(['token', 'list'], home);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('API tokens (5)');
    const block = (name: string) => {
      const lines = result.stdout.split('\n');
      const index = lines.findIndex((line) => line.includes(name));
      return lines.slice(index, index + 3).join('\n');
    };
    expect(block('old deploy key')).toMatch(/^kw_\w{9}\.\.\.\s+\[REVOKED\]\s+old deploy key/);
    expect(block('old deploy key')).toContain(`ID: ${revoked.token.id.slice(0, 8)} `);
    expect(block('old deploy key')).toMatch(/Revoked: \d{4}-\d\d-\d\d/);
    expect(block('paused')).toContain('[INACTIVE]');
    expect(block('paused')).toContain('(preset read-only)');
    expect(block('expired one')).toContain('[EXPIRED]');
    expect(block('expired one')).toMatch(/Expired: .*\(3 days ago\)/);
    expect(block('busy')).toContain('Scopes: tokens:read\n');
    expect(block('busy')).toContain('Last used: 2 hours ago');
    expect(block('busy')).not.toMatch(/\[(REVOKED|INACTIVE|EXPIRED)\]/);
    expect(block('bootstrap')).toContain(`${bootstrap.token.displayPrefix}...`);
    expect(block('bootstrap')).toContain('(this token)');
    expect(block('bootstrap')).toContain('all permissions');
    expect(result.stdout).toMatch(/Last used: never\s+•\s+Expires: never/);

    const ls = await runCli(['token', 'ls', '--json'], home);
    expect(ls.code, ls.stderr).toBe(0);
    const tokens: { id: string; status: string }[] = JSON.parse(ls.stdout);
    const status = Object.fromEntries(tokens.map((token) => [token.id, token.status]));
    expect(status).toMatchObject({
      [revoked.token.id]: 'REVOKED',
      [inactive.token.id]: 'INACTIVE',
      [expired.token.id]: 'EXPIRED',
      [used.token.id]: 'ACTIVE',
    });
  });

  it('list: flags live tokens expiring within 7 days ("expires in 3 days"), and --json says expiresSoon', async () => {
    const { cookie, home, bootstrap } = await account();
    const soon = await mint(cookie, { name: 'soon gone', expiresInDays: 30 });
    await server.sql("update api_token set expires_at = now() + interval '3 days 1 hour' where id = $1", [
      soon.token.id,
    ]);
    const later = await mint(cookie, { name: 'later gone', expiresInDays: 8 });
    const paused = await mint(cookie, { name: 'paused soon', expiresInDays: 2 });
    await server.gql(SET_ACTIVE, { id: paused.token.id }, { cookie });
    const revoked = await mint(cookie, { name: 'revoked soon', expiresInDays: 2 });
    await revokeWithCookie(server, cookie, revoked.token.id);

    const result = await runCli(['token', 'list'], home);
    expect(result.code, result.stderr).toBe(0);
    const title = (name: string) => result.stdout.split('\n').find((line) => line.includes(name)) ?? '';
    expect(title('soon gone')).toMatch(/\.\.\.\s+\[expires in 3 days\]\s+soon gone/);
    expect(title('paused soon')).toMatch(/\[INACTIVE\]\s+\[expires in 2 days\]/);
    expect(title('later gone')).not.toContain('[expires');
    expect(title('revoked soon')).not.toContain('[expires');
    expect(title('bootstrap')).not.toContain('[expires');

    const json = await runCli(['token', 'list', '--json'], home);
    expect(json.code, json.stderr).toBe(0);
    const soonById = Object.fromEntries(
      (JSON.parse(json.stdout) as { id: string; expiresSoon: boolean }[]).map((node) => [
        node.id,
        node.expiresSoon,
      ]),
    );
    expect(soonById).toEqual({
      [soon.token.id]: true,
      [paused.token.id]: true,
      [later.token.id]: false,
      [revoked.token.id]: false,
      [bootstrap.token.id]: false,
    });
  });

  it('token commands without credentials say to log in (exit 1)', async () => {
    const home = newHome();
    const result = await runCli(['token', 'list'], home);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('keyward login');
  });
});

describe.concurrent('keyward token revoke', { timeout: SLOW }, () => {
  it('revoke: by full id, id prefix, token prefix (with or without "...") and a pasted secret', async () => {
    const { cookie, home } = await account();
    const targets = await Promise.all(
      ['by id', 'by id prefix', 'by token prefix', 'by listed prefix', 'by secret'].map((name) =>
        mint(cookie, { name }),
      ),
    );
    const [byId, byIdPrefix, byPrefix, byListed, bySecret] = targets as [
      MintedToken,
      MintedToken,
      MintedToken,
      MintedToken,
      MintedToken,
    ];
    const refs: [MintedToken, string, string[]][] = [
      [byId, byId.token.id, ['revoke']],
      [byIdPrefix, byIdPrefix.token.id.slice(0, 8), ['delete']],
      [byPrefix, byPrefix.token.displayPrefix, ['rm']],
      [byListed, `${byListed.token.displayPrefix}...`, ['revoke']],
      [bySecret, bySecret.secret, ['revoke']],
    ];
    for (const [target, ref, [verb]] of refs) {
      const result = await runCli(['token', verb ?? 'revoke', ref], home);
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).toContain(`Revoked token: ${target.token.name}`);
      expect((await tokenState(cookie, target.token.id)).status).toBe('REVOKED');
    }
    const again = await runCli(['token', 'revoke', byId.token.id], home);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('already revoked');
  });

  it('revoke: an ambiguous prefix lists the candidates, revokes nothing and exits 1', async () => {
    const { cookie, home } = await account();
    const first = await mint(cookie, { name: 'twin one' });
    const second = await mint(cookie, { name: 'twin two' });
    // Two display prefixes that share their first 7 characters (secrets are random, so arrange it).
    await server.sql("update api_token set display_prefix = 'kw_Twin1aaaa' where id = $1", [first.token.id]);
    await server.sql("update api_token set display_prefix = 'kw_Twin2bbbb' where id = $1", [second.token.id]);
    const result = await runCli(['token', 'revoke', 'kw_Twin'], home);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('matches 2 tokens; nothing was revoked');
    expect(result.stderr).toContain('kw_Twin1aaaa...  twin one');
    expect(result.stderr).toContain('kw_Twin2bbbb...  twin two');
    expect((await tokenState(cookie, first.token.id)).status).toBe('ACTIVE');
    expect((await tokenState(cookie, second.token.id)).status).toBe('ACTIVE');
    const precise = await runCli(['token', 'revoke', 'kw_Twin2'], home);
    expect(precise.code, precise.stderr).toBe(0);
    expect((await tokenState(cookie, second.token.id)).status).toBe('REVOKED');
    expect((await tokenState(cookie, first.token.id)).status).toBe('ACTIVE');
  });

  it('revoke: no match exits 1 with a message; a too-short reference is a usage error', async () => {
    const { home } = await account();
    const unknown = await runCli(['token', 'revoke', 'deadbeef'], home);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('No token matches "deadbeef"');
    const short = await runCli(['token', 'revoke', 'ab'], home);
    expect(short.code).toBe(2);
  });

  it('revoke: another account cannot see or revoke a token', async () => {
    const mine = await account();
    const theirs = await account();
    const result = await runCli(['token', 'revoke', theirs.bootstrap.token.id], mine.home);
    expect(result.code).toBe(1);
    expect((await tokenState(theirs.cookie, theirs.bootstrap.token.id)).status).toBe('ACTIVE');
  });
});

describe.concurrent('keyward token scopes', { timeout: SLOW }, () => {
  it('scopes: lists every permission with its description and presets', async () => {
    const home = newHome();
    const result = await runCli(['token', 'scopes'], home);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/tokens:read\s+\[all, read-only, cli\]\n\s+List your API tokens/);
    expect(result.stdout).toMatch(/tokens:create\s+\[all, cli\]/);
    expect(result.stdout).toMatch(/account:update\s+\[all\]\n/);
    expect(result.stdout).toMatch(/audit:read\s+\[all, read-only\]\n/);
  });

  it('scopes --json: the catalogue with the presets each action belongs to', async () => {
    const home = newHome();
    const result = await runCli(['token', 'scopes', '--json'], home);
    expect(result.code, result.stderr).toBe(0);
    const printed: { name: string; actions: { permission: string; presets: string[] }[] }[] = JSON.parse(
      result.stdout,
    );
    const response = await server.gql<{
      permissionCatalogue: { name: string; actions: { permission: string; kind: string; cli: boolean }[] }[];
    }>(CATALOGUE);
    const catalogue = response.body.data?.permissionCatalogue ?? [];
    expect(printed.map((resource) => resource.name)).toEqual(catalogue.map((resource) => resource.name));
    for (const action of catalogue.flatMap((resource) => resource.actions)) {
      const expected = [
        'ALL',
        ...(action.kind === 'read' ? ['READ_ONLY'] : []),
        ...(action.cli ? ['CLI'] : []),
      ];
      const shown = printed
        .flatMap((resource) => resource.actions)
        .find((a) => a.permission === action.permission);
      expect(shown?.presets, action.permission).toEqual(expected);
    }
  });
});

describe('secrets', () => {
  it('only `token create` ever printed a secret', () => {
    expect(cli.secrets.size).toBeGreaterThan(5);
    expect(leakedSecrets(cli)).toEqual([]);
  });
});
