/**
 * The `keyward` CLI as users run it: a real subprocess (cli/bin/keyward.js) against a real server
 * (random port, real PostgreSQL), with a temporary HOME: login, whoami, logout, exit codes.
 * `add` is in cli-add.test.ts, token management in cli-tokens.test.ts.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../server/src/db/embedded-postgres.js';
import { type CliHome, createCliRecorder, leakedSecrets } from '../helpers/cli.js';
import { BOGUS_TOKEN, type MintedToken, mintToken, revokeWithCookie } from '../helpers/cli-tokens.js';
import { startTestServer, type TestServer } from '../helpers/harness.js';

/** Each CLI run is a Node process loading TypeScript through tsx: allow for slow, busy machines. */
const SLOW = 120_000;

const cli = createCliRecorder();
const runCli = cli.run;
const home = cli.home;
let server: TestServer;
let freeCookie: string;
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
  const free = await server.seedAccount({ plan: 'free', name: 'Free User' });
  const pro = await server.seedAccount({ plan: 'pro', name: 'Pro User' });
  freeCookie = await server.login(free.email, free.password);
  freeToken = await mint(freeCookie, { name: 'free laptop' });
  proToken = await mint(await server.login(pro.email, pro.password), { name: 'pro laptop' });
});

afterAll(async () => {
  await server.close();
  cli.cleanup();
});

describe.concurrent('keyward login', { timeout: SLOW }, () => {
  it('login: saves a good token to $XDG_CONFIG_HOME/keyward/credentials.json (0600 in a 0700 dir)', async () => {
    const target = home();
    const result = await runCli(['login', '--token', proToken.secret], { home: target, apiUrl: server.url });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/Logged in to .* as Pro User <.*> \(plan pro\)/);
    expect(result.stdout).toContain(`${proToken.token.displayPrefix}...`);
    expect(statSync(target.credentialsFile).mode & 0o777).toBe(0o600);
    expect(statSync(path.dirname(target.credentialsFile)).mode & 0o777).toBe(0o700);
    const saved = JSON.parse(readFileSync(target.credentialsFile, 'utf8'));
    expect(saved).toMatchObject({ token: proToken.secret, apiUrl: server.url });
  });

  it('login: refuses a token the server rejects, with its message, exit 1 and no file', async () => {
    const target = home();
    const result = await runCli(['login', '--token', BOGUS_TOKEN], { home: target, apiUrl: server.url });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('The API token is not valid.');
    expect(result.stderr).toContain('Nothing was saved.');
    expect(existsSync(target.credentialsFile)).toBe(false);
  });

  it('login: refuses a revoked token with the token_revoked message', async () => {
    const revoked = await mint(freeCookie, { name: 'soon revoked' });
    await revokeWithCookie(server, freeCookie, revoked.token.id);
    const target = home();
    const result = await runCli(['login', '--token', revoked.secret], { home: target, apiUrl: server.url });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('The API token has been revoked.');
    expect(existsSync(target.credentialsFile)).toBe(false);
  });

  it('login: takes the token from KEYWARD_TOKEN and writes KEYWARD_CREDENTIALS_FILE when set', async () => {
    const target = home();
    const file = path.join(target.home, 'elsewhere', 'creds.json');
    const result = await runCli(['login'], {
      home: target,
      apiUrl: server.url,
      env: { KEYWARD_TOKEN: freeToken.secret, KEYWARD_CREDENTIALS_FILE: file },
    });
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(readFileSync(file, 'utf8')).token).toBe(freeToken.secret);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(existsSync(target.credentialsFile)).toBe(false);
    const whoami = await runCli(['whoami', '--json'], {
      home: target,
      apiUrl: server.url,
      env: { KEYWARD_CREDENTIALS_FILE: file },
    });
    expect(JSON.parse(whoami.stdout).token.id).toBe(freeToken.token.id);
  });

  it('login: reads the token from stdin with --token -', async () => {
    const target = home();
    const result = await runCli(['login', '--token', '-'], {
      home: target,
      apiUrl: server.url,
      input: `${freeToken.secret}\n`,
    });
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(readFileSync(target.credentialsFile, 'utf8')).token).toBe(freeToken.secret);
  });

  it('login: without a token and without a terminal is a usage error (exit 2)', async () => {
    const result = await runCli(['login'], { home: home(), apiUrl: server.url });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('No token given');
  });

  it('--api-url: wins over KEYWARD_API_URL, and the URL saved at login is used afterwards', async () => {
    const closed = `http://127.0.0.1:${await freePort()}`;
    const target = home();
    const login = await runCli(['--api-url', server.url, 'login', '--token', proToken.secret], {
      home: target,
      apiUrl: closed,
    });
    expect(login.code, login.stderr).toBe(0);
    const whoami = await runCli(['whoami', '--json'], { home: target });
    expect(whoami.code, whoami.stderr).toBe(0);
    expect(JSON.parse(whoami.stdout).account.plan).toBe('pro');
  });
});

describe.concurrent('keyward whoami and logout', { timeout: SLOW }, () => {
  it('whoami: prints account, plan, token name, prefix, permissions and expiry', async () => {
    const target = await loggedInHome(proToken.secret);
    const result = await runCli(['whoami'], { home: target, apiUrl: server.url });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/Account:\s+Pro User <user-.*@example\.com>/);
    expect(result.stdout).toMatch(/Plan:\s+pro \(Pro components: yes\)/);
    expect(result.stdout).toMatch(/Token:\s+pro laptop/);
    expect(result.stdout).toContain(`${proToken.token.displayPrefix}...`);
    expect(result.stdout).toMatch(/Permissions:\s+.*components:read.*tokens:create/);
    expect(result.stdout).toMatch(/Expires:\s+never/);
  });

  it('whoami --json: prints the whoami response as JSON', async () => {
    const result = await runCli(['whoami', '--json'], {
      home: home(),
      apiUrl: server.url,
      env: { KEYWARD_TOKEN: freeToken.secret },
    });
    expect(result.code, result.stderr).toBe(0);
    const body = JSON.parse(result.stdout);
    expect(body).toMatchObject({
      account: { plan: 'free', name: 'Free User' },
      token: { id: freeToken.token.id, name: 'free laptop', displayPrefix: freeToken.token.displayPrefix },
      entitlements: { proComponents: false },
    });
    expect(body.token.permissions).toContain('tokens:read');
  });

  it('KEYWARD_TOKEN overrides the saved token', async () => {
    const target = await loggedInHome(proToken.secret);
    const result = await runCli(['whoami', '--json'], {
      home: target,
      apiUrl: server.url,
      env: { KEYWARD_TOKEN: freeToken.secret },
    });
    expect(JSON.parse(result.stdout).token.id).toBe(freeToken.token.id);
  });

  it('whoami: without credentials says to log in (exit 1)', async () => {
    const result = await runCli(['whoami'], { home: home(), apiUrl: server.url });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('Not logged in');
    expect(result.stderr).toContain('keyward login');
  });

  it('logout: deletes the credentials file; a second logout says there was nothing to delete', async () => {
    const target = await loggedInHome(freeToken.secret);
    const first = await runCli(['logout'], { home: target, apiUrl: server.url });
    expect(first.code).toBe(0);
    expect(existsSync(target.credentialsFile)).toBe(false);
    const second = await runCli(['logout'], { home: target, apiUrl: server.url });
    expect(second.code).toBe(0);
    expect(second.stdout).toContain('Not logged in');
  });
});

describe.concurrent('exit codes and errors', { timeout: SLOW }, () => {
  it.each([
    [['whoami', '--bogus-flag']],
    [['add']],
    [['add', 'button', '--type', 'widget']],
    [['add', '../etc']],
    [['token']],
    [['--api-url', 'ftp://example.com', 'whoami']],
  ])('usage error %j exits 2', async (args) => {
    const result = await runCli(args, {
      home: home(),
      apiUrl: server.url,
      env: { KEYWARD_TOKEN: BOGUS_TOKEN },
    });
    expect(result.code, result.stderr).toBe(2);
  });

  it('a server error prints the server message and exits 1', async () => {
    const result = await runCli(['whoami'], {
      home: home(),
      apiUrl: server.url,
      env: { KEYWARD_TOKEN: BOGUS_TOKEN },
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('error: The API token is not valid.');
  });

  it('a network error names the URL that failed and exits 1', async () => {
    const closed = `http://127.0.0.1:${await freePort()}`;
    const result = await runCli(['whoami'], {
      home: home(),
      apiUrl: closed,
      env: { KEYWARD_TOKEN: BOGUS_TOKEN },
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`Could not reach ${closed}/api/cli/whoami`);
  });

  it('--help and --version exit 0', async () => {
    const help = await runCli(['add', '--help'], { home: home() });
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('./components/<slug>');
    const version = await runCli(['--version'], { home: home() });
    expect(version.code).toBe(0);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });
});

describe('secrets', () => {
  it('no command in this file ever printed a token secret', () => {
    expect(cli.outputs.length).toBeGreaterThan(15);
    expect(leakedSecrets(cli)).toEqual([]);
  });
});
