/**
 * `keyward token create --cidr … --not-before … --uses …`, and the restrictions and credits left
 * in `token show`, `token list` and `whoami`, as subprocesses against a real server.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliHome, type CliResult, createCliRecorder, leakedSecrets } from '../helpers/cli.js';
import { type MintedToken, mintToken } from '../helpers/cli-tokens.js';
import { startTestServer, type TestServer } from '../helpers/harness.js';

const TOKEN = 'query($id: ID!) { token(id: $id) { allowedCidrs notBefore usageLimit usageRemaining } }';
const SLOW = 120_000;

const cli = createCliRecorder();
let server: TestServer;

function run(args: string[], home: CliHome): Promise<CliResult> {
  return cli.run(args, { home, apiUrl: server.url }, args[1] === 'create');
}

async function account(input: Record<string, unknown> = {}) {
  const seeded = await server.seedAccount({ plan: 'pro' });
  const cookie = await server.login(seeded.email, seeded.password);
  const login: MintedToken = await mintToken(server, cookie, { name: 'cli login', preset: 'ALL', ...input });
  cli.secrets.add(login.secret);
  const home = cli.home();
  const result = await run(['login', '--token', login.secret], home);
  expect(result.code, result.stderr).toBe(0);
  return { cookie, home, login };
}

beforeAll(async () => {
  server = await startTestServer();
});

afterAll(async () => {
  await server.close();
  cli.cleanup();
});

describe.concurrent('keyward token create: restrictions', { timeout: SLOW }, () => {
  it('--cidr (repeated), --not-before and --uses reach the server; show and list print them', async () => {
    const { cookie, home } = await account();
    const notBefore = '2026-01-02T03:04:05.000Z';
    const created = await run(
      [
        'token',
        'create',
        'office ci',
        '--cidr',
        '127.0.0.1',
        '--cidr',
        '2001:db8::/32',
        '--not-before',
        notBefore,
        '--uses',
        '25',
        '--json',
      ],
      home,
    );
    expect(created.code, created.stderr).toBe(0);
    const { secret, token } = JSON.parse(created.stdout) as { secret: string; token: { id: string } };
    cli.secrets.add(secret);
    const stored = await server.gql<{ token: Record<string, unknown> }>(TOKEN, { id: token.id }, { cookie });
    expect(stored.body.data?.token).toEqual({
      allowedCidrs: ['127.0.0.1', '2001:db8::/32'],
      notBefore,
      usageLimit: 25,
      usageRemaining: 25,
    });

    const shown = await run(['token', 'show', 'office ci'], home);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toMatch(/Allowed from:\s+127\.0\.0\.1, 2001:db8::\/32/);
    expect(shown.stdout).toMatch(/Not before:\s+2026-01-02T03:04:05\.000Z/);
    expect(shown.stdout).toMatch(/Credits:\s+25 of 25 left/);
    const listed = await run(['token', 'list'], home);
    expect(listed.stdout).toMatch(/office ci[\s\S]*Credits: 25 of 25 left/);
  });

  it("whoami shows the logged-in token's credits left and allowed ranges", async () => {
    const { home } = await account({ usageLimit: 10, allowedCidrs: ['127.0.0.1', '::1'] });
    const result = await run(['whoami'], home);
    expect(result.code, result.stderr).toBe(0);
    // login and this whoami each took one.
    expect(result.stdout).toMatch(/Credits:\s+8 of 10 left/);
    expect(result.stdout).toMatch(/Allowed from:\s+127\.0\.0\.1, ::1/);
  });

  it('a pending token is marked [PENDING] in the list', async () => {
    const { home } = await account();
    const created = await run(['token', 'create', 'later', '--not-before', '2035-01-01', '--json'], home);
    expect(created.code, created.stderr).toBe(0);
    cli.secrets.add((JSON.parse(created.stdout) as { secret: string }).secret);
    const listed = await run(['token', 'list'], home);
    expect(listed.stdout).toMatch(/\[PENDING\]\s+later/);
  });

  it("bad values: --uses 0 and a bad --not-before fail before any request; a malformed --cidr is the server's validation_failed", async () => {
    const { home } = await account();
    const uses = await run(['token', 'create', 'x', '--uses', '0'], home);
    expect(uses.code).not.toBe(0);
    expect(uses.stderr).toMatch(/whole number of requests/);
    const date = await run(['token', 'create', 'x', '--not-before', 'next tuesday'], home);
    expect(date.code).not.toBe(0);
    expect(date.stderr).toMatch(/ISO-8601/);
    const cidr = await run(['token', 'create', 'x', '--cidr', '10.0.0.1/8', '--json'], home);
    expect(cidr.code).not.toBe(0);
    expect(JSON.parse(cidr.stderr.trim())).toMatchObject({ error: 'validation_failed' });
    expect(cidr.stderr).toMatch(/did you mean 10\.0\.0\.0\/8/);
  });
});

describe('secrets', () => {
  it('no recorded output holds a secret', () => {
    expect(leakedSecrets(cli)).toEqual([]);
  });
});
