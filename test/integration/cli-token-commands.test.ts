/**
 * `keyward token show|activate|deactivate|usage|rotate`, permission use in `show`, revoke safety, child-token expiry,
 * `logout --revoke` and JSON errors, as subprocesses against a real server.
 */
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type CliHome,
  type CliResult,
  createCliRecorder,
  KEYWARD_BIN,
  leakedSecrets,
} from '../helpers/cli.js';
import { type MintedToken, mintToken } from '../helpers/cli-tokens.js';
import { startTestServer, type TestServer } from '../helpers/harness.js';

const TOKEN = 'query($id: ID!) { token(id: $id) { id name status expiresAt } }';
/** Each CLI run is a Node process loading TypeScript through tsx: allow for slow, busy machines. */
const SLOW = 120_000;

const cli = createCliRecorder();
let server: TestServer;

function run(args: string[], home: CliHome): Promise<CliResult> {
  // create and rotate print a new secret, once.
  return cli.run(args, { home, apiUrl: server.url }, args[1] === 'create' || args[1] === 'rotate');
}

async function mint(cookie: string, input: Record<string, unknown> = {}): Promise<MintedToken> {
  const minted = await mintToken(server, cookie, input);
  cli.secrets.add(minted.secret);
  return minted;
}

/** A verified account, its cookie, and a CLI home logged in with a token of `input` (preset ALL). */
async function account(input: Record<string, unknown> = {}) {
  const seeded = await server.seedAccount({ plan: 'pro' });
  const cookie = await server.login(seeded.email, seeded.password);
  const login = await mint(cookie, { name: 'cli login', preset: 'ALL', ...input });
  const home = cli.home();
  const result = await run(['login', '--token', login.secret], home);
  expect(result.code, result.stderr).toBe(0);
  return { cookie, home, login };
}

async function tokenState(cookie: string, id: string) {
  const response = await server.gql<{
    token: { id: string; name: string; status: string; expiresAt: string | null };
  }>(TOKEN, { id }, { cookie });
  const token = response.body.data?.token;
  if (!token) throw new Error(`no token ${id}: ${JSON.stringify(response.body)}`);
  return token;
}

function jsonError(result: CliResult): { error: string; message: string } {
  return JSON.parse(result.stderr.trim()) as { error: string; message: string };
}

beforeAll(async () => {
  server = await startTestServer();
});

afterAll(async () => {
  await server.close();
  cli.cleanup();
});

describe.concurrent('keyward token show, activate, deactivate, usage', { timeout: SLOW }, () => {
  it('show, deactivate, activate and usage find a token by exact name, id prefix or token prefix', async () => {
    const { cookie, home } = await account();
    const target = await mint(cookie, { name: 'deploy bot', description: 'ships releases' });

    const shown = await run(['token', 'show', 'deploy bot', '--json'], home);
    expect(shown.code, shown.stderr).toBe(0);
    const detail = JSON.parse(shown.stdout) as Record<string, unknown>;
    expect(detail).toMatchObject({
      id: target.token.id,
      name: 'deploy bot',
      status: 'ACTIVE',
      preset: 'CLI',
    });
    expect(detail.effectivePermissions).toEqual(expect.arrayContaining(['tokens:read']));

    const off = await run(['token', 'deactivate', target.token.id.slice(0, 8), '--json'], home);
    expect(off.code, off.stderr).toBe(0);
    expect(JSON.parse(off.stdout)).toMatchObject({ id: target.token.id, status: 'INACTIVE', active: false });
    expect((await tokenState(cookie, target.token.id)).status).toBe('INACTIVE');

    const on = await run(['token', 'activate', target.token.displayPrefix], home);
    expect(on.code, on.stderr).toBe(0);
    expect(on.stdout).toContain('Activated token: deploy bot');
    expect((await tokenState(cookie, target.token.id)).status).toBe('ACTIVE');

    const text = await run(['token', 'show', target.token.displayPrefix], home);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/Description:\s+ships releases/);
    expect(text.stdout).toMatch(/Status:\s+active/);

    const usage = await run(['token', 'usage', 'deploy bot', '--days', '7', '--json'], home);
    expect(usage.code, usage.stderr).toBe(0);
    const days = JSON.parse(usage.stdout) as { days: number; total: number; usage: { date: string }[] };
    expect(days.days).toBe(7);
    expect(days.usage).toHaveLength(7);
    expect(days.total).toBe(0);
  });

  it('revoke: a prefix under 8 characters asks on a terminal, needs --yes without one; an exact name does not', async () => {
    const { cookie, home } = await account();
    const byPrefix = await mint(cookie, { name: 'short prefix target' });
    const byName = await mint(cookie, { name: 'ci' });
    const prefix = byPrefix.token.id.slice(0, 6);

    const refused = await run(['token', 'revoke', prefix], home);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('--yes');
    expect((await tokenState(cookie, byPrefix.token.id)).status).toBe('ACTIVE');

    // On a terminal (util-linux `script` gives it one) the question decides.
    const onTerminal = (answer: string) =>
      cli.run(['-qec', `'${process.execPath}' '${KEYWARD_BIN}' token revoke ${prefix}`, '/dev/null'], {
        home,
        apiUrl: server.url,
        bin: 'script',
        input: answer,
      });
    const declined = await onTerminal('n\n');
    expect(declined.stdout).toContain(`Revoke token "short prefix target"`);
    expect(declined.stdout).toContain('Cancelled: nothing was revoked');
    expect((await tokenState(cookie, byPrefix.token.id)).status).toBe('ACTIVE');

    const confirmed = await run(['token', 'revoke', prefix, '--yes'], home);
    expect(confirmed.code, confirmed.stderr).toBe(0);
    expect((await tokenState(cookie, byPrefix.token.id)).status).toBe('REVOKED');

    const named = await run(['token', 'rm', 'ci', '--json'], home);
    expect(named.code, named.stderr).toBe(0);
    expect(JSON.parse(named.stdout)).toMatchObject({ id: byName.token.id, status: 'REVOKED' });
  });

  it('errors under --json are one JSON object on stderr with the usual exit codes', async () => {
    const { cookie, home, login } = await account();
    const unknown = await run(['token', 'show', 'deadbeef', '--json'], home);
    expect(unknown.code).toBe(1);
    expect(unknown.stdout).toBe('');
    expect(jsonError(unknown)).toMatchObject({
      error: 'token_not_found',
      message: 'No token matches "deadbeef".',
    });

    const usage = await run(['token', 'usage', '--json'], home);
    expect(usage.code).toBe(2);
    expect(jsonError(usage)).toMatchObject({ error: 'usage_error' });
    expect(jsonError(usage).message).toContain("missing required argument 'ref'");

    await server.gql(
      'mutation($id: ID!) { revokeToken(id: $id) { id } }',
      { id: login.token.id },
      { cookie },
    );
    const revoked = await run(['whoami', '--json'], home);
    expect(revoked.code).toBe(1);
    expect(jsonError(revoked).error).toBe('token_revoked');
    const plain = await run(['whoami'], home);
    expect(plain.code).toBe(1);
    expect(plain.stderr).toContain(jsonError(revoked).message);
  });

  it('warnings under --json are JSON lines on stderr too', async () => {
    const { cookie, home } = await account();
    const target = await mint(cookie, { name: 'pasted' });
    // A whole secret where a prefix is expected: the command works and warns.
    const shown = await run(['token', 'show', target.secret, '--json'], home);
    expect(shown.code).toBe(0);
    expect(JSON.parse(shown.stdout)).toMatchObject({ id: target.token.id });
    const lines = shown.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] ?? '')).toEqual({
      warning:
        'that looks like a whole token secret; matching it by its prefix. Next time pass only the prefix.',
    });
    const plain = await run(['token', 'show', target.secret], home);
    expect(plain.stderr).toMatch(/^warning: that looks like a whole token secret/);
  });
});

describe.concurrent('child token expiry and logout --revoke', { timeout: SLOW }, () => {
  it("create: a child token defaults to the logged-in token's expiry and may not outlive it", async () => {
    const { cookie, home, login } = await account({ expiresInDays: 10 });
    const parentExpiry = (await tokenState(cookie, login.token.id)).expiresAt;
    expect(parentExpiry).not.toBeNull();

    const child = await run(['token', 'create', 'child', '--json'], home);
    expect(child.code, child.stderr).toBe(0);
    const created = JSON.parse(child.stdout) as { token: { id: string; expiresAt: string } };
    expect(Date.parse(created.token.expiresAt)).toBe(Date.parse(parentExpiry ?? ''));

    const tooLong = await run(['token', 'create', 'too long', '--expires', '30'], home);
    expect(tooLong.code).toBe(1);
    expect(tooLong.stderr).toContain('--expires 30 would outlive the logged-in token');
    expect(tooLong.stderr).toMatch(/Use --expires (9|10) or less/);

    const shorter = await run(['token', 'create', 'shorter', '--expires', '5', '--json'], home);
    expect(shorter.code, shorter.stderr).toBe(0);
  });

  it('logout --revoke revokes the saved token; without tokens:revoke it logs out locally and exits 1', async () => {
    const full = await account();
    const out = await run(['logout', '--revoke'], full.home);
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout).toContain('Revoked token: cli login');
    expect(existsSync(full.home.credentialsFile)).toBe(false);
    expect((await tokenState(full.cookie, full.login.token.id)).status).toBe('REVOKED');

    const readOnly = await account({ preset: 'READ_ONLY' });
    const refused = await run(['logout', '--revoke'], readOnly.home);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toContain('Logged out');
    expect(refused.stderr).toContain('server-side revoke failed');
    expect(refused.stderr).toContain('tokens:revoke');
    expect(existsSync(readOnly.home.credentialsFile)).toBe(false);
    expect((await tokenState(readOnly.cookie, readOnly.login.token.id)).status).toBe('ACTIVE');
  });
});

async function whoamiStatus(secret: string): Promise<{ status: number; error?: string; message?: string }> {
  const response = await server.rest('/api/cli/whoami', { token: secret });
  const body = (await response.json()) as { error?: string; message?: string };
  return { status: response.status, error: body.error, message: body.message };
}

describe.concurrent('keyward token rotate', { timeout: SLOW }, () => {
  it('rotate --grace 30m --json prints the new secret once; both work in the grace; show tells the old one’s story', async () => {
    const { cookie, home } = await account();
    const target = await mint(cookie, { name: 'deploy bot', preset: 'READ_ONLY' });
    const rotated = await run(['token', 'rotate', target.token.id, '--grace', '30m', '--json'], home);
    expect(rotated.code, rotated.stderr).toBe(0);
    const body = JSON.parse(rotated.stdout) as {
      secret: string;
      token: { id: string; displayPrefix: string; preset: string };
      graceEndsAt: string;
    };
    cli.secrets.add(body.secret);
    expect(body.token.preset).toBe('READ_ONLY');
    expect(Math.abs(Date.parse(body.graceEndsAt) - Date.now() - 30 * 60_000)).toBeLessThan(60_000);
    expect((await whoamiStatus(target.secret)).status).toBe(200);
    expect((await whoamiStatus(body.secret)).status).toBe(200);
    await server.keyward.services.usage.flush();

    const shown = await run(['token', 'show', target.token.id], home);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toContain(`replaced by ${body.token.displayPrefix}...`);
    expect(shown.stdout).toContain('old secret used 1 time since, last from 127.0.0.1');
    expect(shown.stdout).not.toContain(body.secret);

    const again = await run(['token', 'rotate', target.token.id], home);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('already rotated');
  });

  it('rotate --grace 0 stops the old secret at once (token_rotated names the new prefix); the text output shows the secret', async () => {
    const { cookie, home } = await account();
    const target = await mint(cookie, { name: 'nightly' });
    const rotated = await run(['token', 'rotate', target.token.id, '--grace', '0'], home);
    expect(rotated.code, rotated.stderr).toBe(0);
    const secret = /kw_[A-Za-z0-9]{30,}/.exec(rotated.stdout)?.[0] ?? '';
    cli.secrets.add(secret);
    expect(rotated.stdout).toContain('Copy it now');
    const refused = await whoamiStatus(target.secret);
    expect(refused).toMatchObject({ status: 401, error: 'token_rotated' });
    expect(refused.message).toContain(secret.slice(0, 12));
    expect((await whoamiStatus(secret)).status).toBe(200);
  });

  it.each([['8d'], ['169h'], ['5'], ['soon'], ['-1h']])(
    'rotate --grace %s is a usage error that rotates nothing',
    async (grace) => {
      const { cookie, home } = await account();
      const target = await mint(cookie, { name: 'kept' });
      const refused = await run(['token', 'rotate', target.token.id, '--grace', grace], home);
      expect(refused.code).not.toBe(0);
      expect(refused.stderr).toMatch(/--grace|duration|7 days/);
      const [row] = await server.sql<{ successor_id: string | null }>(
        'select successor_id from api_token where id = $1',
        [target.token.id],
      );
      expect(row?.successor_id).toBeNull();
    },
  );

  it('show prints each granted permission with its use, and what the preset gained', async () => {
    const { home, login } = await account({ preset: 'CLI' });
    expect((await run(['token', 'list'], home)).code).toBe(0);
    await server.keyward.services.usage.flush();
    const shown = await run(['token', 'show', login.token.id], home);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toContain('Permission use:');
    expect(shown.stdout).toMatch(/tokens:read\s+used \d+ times?, last /);
    expect(shown.stdout).toMatch(/components:read\s+never used/);
    const json = JSON.parse((await run(['token', 'show', login.token.id, '--json'], home)).stdout) as {
      permissions: string[];
      permissionUsage: { permission: string; count: number }[];
      presetDrift: string[];
    };
    // One entry per granted permission.
    expect(json.permissionUsage.map((use) => use.permission)).toEqual(json.permissions);
    expect(json.permissions).toContain('components:read');
    expect(json.presetDrift).toEqual([]);
  });
});

describe('secrets', () => {
  it('no output held a secret except the create that made it', () => {
    expect(leakedSecrets(cli)).toEqual([]);
  });
});
