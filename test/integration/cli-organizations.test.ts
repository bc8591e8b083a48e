/**
 * `keyward org list` and `--org <slug>` on `token create|list|revoke`, as a subprocess against a
 * real server: organization tokens go through the same GraphQL operations as the web app.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliHome, type CliResult, createCliRecorder, leakedSecrets } from '../helpers/cli.js';
import { mintToken } from '../helpers/cli-tokens.js';
import { startTestServer, type TestServer } from '../helpers/harness.js';

const SLOW = 120_000;
const SECRET_PATTERN = /kw_[0-9A-Za-z]{36}/g;

const cli = createCliRecorder();
let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.close();
  cli.cleanup();
});

async function runCli(args: string[], home: CliHome): Promise<CliResult> {
  const creates = args[1] === 'create';
  const result = await cli.run(args, { home, apiUrl: server.url }, creates);
  if (creates) for (const secret of result.stdout.match(SECRET_PATTERN) ?? []) cli.secrets.add(secret);
  return result;
}

let slugs = 0;

/** A team account logged in with an ALL token, owning a fresh organization with a MEMBER. */
async function owner(): Promise<{
  home: CliHome;
  cookie: string;
  slug: string;
  id: string;
  memberHome: CliHome;
}> {
  const seeded = await server.seedAccount({ plan: 'team' });
  const cookie = await server.login(seeded.email, seeded.password);
  const slug = `cli-${process.pid}-${++slugs}`;
  const created = await server.gql<{ createOrganization: { id: string } }>(
    'mutation($input: CreateOrganizationInput!) { createOrganization(input: $input) { id } }',
    { input: { name: `Team ${slug}`, slug } },
    { cookie },
  );
  const id = created.body.data!.createOrganization.id;
  const login = async (secret: string) => {
    cli.secrets.add(secret);
    const home = cli.home();
    const result = await cli.run(['login', '--token', secret], { home, apiUrl: server.url });
    expect(result.code, result.stderr).toBe(0);
    return home;
  };
  const home = await login((await mintToken(server, cookie, { name: 'bootstrap', preset: 'ALL' })).secret);
  const member = await server.seedAccount({ plan: 'team' });
  await server.gql(
    'mutation($input: AddOrganizationMemberInput!) { addOrganizationMember(input: $input) { role } }',
    { input: { organizationId: id, email: member.email, role: 'MEMBER' } },
    { cookie },
  );
  const memberCookie = await server.login(member.email, member.password);
  const memberHome = await login(
    (await mintToken(server, memberCookie, { name: 'member', preset: 'ALL' })).secret,
  );
  return { home, cookie, slug, id, memberHome };
}

describe.concurrent('keyward org and --org', { timeout: SLOW }, () => {
  it('org list: slug, name and role; --json has them as fields', async () => {
    const { home, slug, id, memberHome } = await owner();
    const text = await runCli(['org', 'list'], home);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain(slug);
    expect(text.stdout).toContain(`Team ${slug}`);
    expect(text.stdout).toContain('owner');
    const json = await runCli(['org', 'list', '--json'], memberHome);
    expect(json.code, json.stderr).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual([{ id, slug, name: `Team ${slug}`, role: 'MEMBER' }]);
  });

  it('token create --org, token list --org, token revoke --org: an organization token from end to end', async () => {
    const { home, cookie, slug, id } = await owner();
    const created = await runCli(
      ['token', 'create', 'team ci', '--org', slug, '--preset', 'read-only', '--json'],
      home,
    );
    expect(created.code, created.stderr).toBe(0);
    const { token } = JSON.parse(created.stdout) as { token: { id: string } };
    const [row] = await server.sql('select organization_id from api_token where id = $1', [token.id]);
    expect(row).toEqual({ organization_id: id });

    const personal = await runCli(['token', 'list', '--json'], home);
    expect((JSON.parse(personal.stdout) as { id: string }[]).map((node) => node.id)).not.toContain(token.id);
    const listed = await runCli(['token', 'list', '--org', slug], home);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toContain(`API tokens of organization ${slug} (1)`);
    expect(listed.stdout).toContain('team ci');

    const revoked = await runCli(['token', 'revoke', 'team ci', '--org', slug, '--json'], home);
    expect(revoked.code, revoked.stderr).toBe(0);
    expect(JSON.parse(revoked.stdout)).toMatchObject({ id: token.id, status: 'REVOKED' });
    const state = await server.gql<{ token: { status: string } }>(
      'query($id: ID!) { token(id: $id) { status } }',
      { id: token.id },
      { cookie },
    );
    expect(state.body.data?.token.status).toBe('REVOKED');
  });

  it('--org errors: an unknown slug is organization_not_found; a MEMBER is refused naming the role', async () => {
    const { slug, memberHome } = await owner();
    const unknown = await runCli(['token', 'list', '--org', 'no-such-org'], memberHome);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('No organization "no-such-org" among yours.');
    const member = await runCli(['token', 'create', 'x', '--org', slug], memberHome);
    expect(member.code).toBe(1);
    expect(member.stderr).toContain('OWNER or ADMIN');
  });
});

describe('secrets', () => {
  it('no secret printed by token create --org appears in any other run’s output', () => {
    expect(cli.secrets.size).toBeGreaterThan(0);
    expect(leakedSecrets(cli)).toEqual([]);
  });
});
