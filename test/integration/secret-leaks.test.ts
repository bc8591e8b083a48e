import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateTokenSecret, tokenSecretPattern } from '../../server/src/tokens/token-secret.js';
import { flipChecksum } from '../helpers/auth-matrix.js';
import { linkToken, sessionCookieFrom, startTestServer, type TestServer } from '../helpers/harness.js';

/** One HTTP exchange of the session, as the client saw it. */
interface Exchange {
  label: string;
  status: number;
  /** Response headers and body, as text. */
  text: string;
  errorMessages: string[];
  /** The secret this response legitimately carries (a createToken payload), if any. */
  issued: string | null;
}

let server: TestServer;
const exchanges: Exchange[] = [];
/** Every token-shaped string this test sent or received, valid or not. */
const secrets = new Set<string>();

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

function tokenShaped(text: string): string[] {
  return text.match(tokenSecretPattern(server.keyward.services.config.tokenPrefix)) ?? [];
}

async function record(label: string, response: Response): Promise<{ status: number; body: unknown }> {
  const bodyText = await response.text();
  const body = bodyText === '' ? null : (JSON.parse(bodyText) as Record<string, unknown>);
  const headers = [...response.headers].map(([name, value]) => `${name}: ${value}`).join('\n');
  const errors = (body as { errors?: { message: string }[] } | null)?.errors ?? [];
  const restMessage = (body as { message?: unknown } | null)?.message;
  const issued = (body as { data?: { createToken?: { secret?: string } } } | null)?.data?.createToken?.secret;
  if (issued) secrets.add(issued);
  exchanges.push({
    label,
    status: response.status,
    text: `${headers}\n\n${bodyText}`,
    errorMessages: [
      ...errors.map((e) => e.message),
      ...(typeof restMessage === 'string' ? [restMessage] : []),
    ],
    issued: issued ?? null,
  });
  return { status: response.status, body };
}

async function gql(
  label: string,
  query: string,
  variables: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): Promise<{ status: number; data: GqlData; code: unknown }> {
  const response = await fetch(`${server.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query, variables }),
  });
  const { status, body } = await record(label, response);
  const parsed = body as { data?: GqlData; errors?: { extensions?: { code?: string } }[] };
  return { status, data: parsed.data ?? {}, code: parsed.errors?.[0]?.extensions?.code ?? null };
}

/** The few shapes this session reads back. */
interface GqlData {
  createToken?: { token: { id: string }; secret: string };
  tokens?: { edges: { node: { id: string } }[] };
  [field: string]: unknown;
}

const bearer = (secret: string) => ({ authorization: `Bearer ${secret}` });

const CREATE =
  'mutation($input: CreateTokenInput!) { createToken(input: $input) { token { id name displayPrefix } secret } }';

describe('a realistic session leaks no secret', () => {
  let cookie: Record<string, string>;
  const issued = new Map<string, { id: string; secret: string }>();

  it('runs: register, verify, create one token per preset, use them (also wrongly), list, revoke', async () => {
    const email = 'leak-check@example.com';
    const register = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        query: 'mutation($input: RegisterInput!) { register(input: $input) { id } }',
        variables: { input: { email, password: 'a long password', name: 'Leak Check' } },
      }),
    });
    const session = sessionCookieFrom(register.headers);
    await record('register', register);
    expect(session).toBeTruthy();
    cookie = { cookie: session!, 'x-keyward-csrf': '1' };
    const link = linkToken((await server.lastMail(email, 'verify_email'))!.body);
    await gql('verifyEmail', 'mutation($t: String!) { verifyEmail(token: $t) { emailVerified } }', {
      t: link,
    });
    // Upgraded before any token exists, as a site admin would: a free account's API tokens only
    // read, and this session has tokens create and change tokens.
    await server.sql("update account set plan = 'pro' where email = $1", [email]);

    const inputs: Record<string, Record<string, unknown>> = {
      ALL: { name: 'all', preset: 'ALL' },
      READ_ONLY: { name: 'read only', preset: 'READ_ONLY', expiresInDays: 30 },
      CLI: { name: 'cli', preset: 'CLI', description: 'laptop' },
      CUSTOM: {
        name: 'custom',
        preset: 'CUSTOM',
        permissions: ['tokens', 'audit:read'],
        rateLimitPerMinute: 50,
      },
    };
    for (const [preset, input] of Object.entries(inputs)) {
      const created = await gql(`createToken ${preset}`, CREATE, { input }, cookie);
      expect(created.code).toBeNull();
      const payload = created.data.createToken!;
      issued.set(preset, { id: payload.token.id, secret: payload.secret });
    }
    const all = issued.get('ALL')!;
    const custom = issued.get('CUSTOM')!;

    // Good uses, by Bearer and X-Api-Key, including a token creating a token.
    for (const [preset, token] of issued) {
      await gql(`viewer as ${preset}`, '{ viewer { id email } }', {}, bearer(token.secret));
      await gql(
        `tokens as ${preset}`,
        '{ tokens { edges { node { id displayPrefix status } } } }',
        {},
        bearer(token.secret),
      );
    }
    await gql(
      'auditEvents as CUSTOM',
      '{ auditEvents { edges { node { action actor { type id } } } } }',
      {},
      {
        'x-api-key': custom.secret,
      },
    );
    const child = await gql(
      'createToken by a token',
      CREATE,
      { input: { name: 'child', preset: 'READ_ONLY' } },
      bearer(all.secret),
    );
    expect(child.code).toBeNull();
    // Errors caused by a valid token: scope, validation, not found.
    const readOnly = issued.get('READ_ONLY')!.secret;
    expect(
      (
        await gql(
          'revoke without scope',
          'mutation($id: ID!) { revokeToken(id: $id) { id } }',
          { id: all.id },
          bearer(readOnly),
        )
      ).code,
    ).toBe('INSUFFICIENT_SCOPE');
    expect(
      (await gql('bad input', CREATE, { input: { name: '', preset: 'ALL' } }, bearer(all.secret))).code,
    ).toBe('VALIDATION_FAILED');
    expect(
      (
        await gql(
          'unknown id',
          'mutation { updateToken(id: "00000000-0000-4000-8000-000000000000", input: { name: "x" }) { id } }',
          {},
          bearer(all.secret),
        )
      ).code,
    ).toBe('NOT_FOUND');
    // A secret pasted where an id belongs.
    expect(
      (
        await gql(
          'secret as id',
          'query($id: ID!) { token(id: $id) { id } }',
          { id: custom.secret },
          bearer(all.secret),
        )
      ).data,
    ).toEqual({ token: null });

    // Failing uses: revoked, malformed, flipped checksum, unknown.
    const cli = issued.get('CLI')!;
    await gql('revoke CLI', 'mutation($id: ID!) { revokeToken(id: $id) { status } }', { id: cli.id }, cookie);
    expect((await gql('use revoked', '{ viewer { id } }', {}, bearer(cli.secret))).code).toBe(
      'TOKEN_REVOKED',
    );
    const flipped = flipChecksum(all.secret);
    const unknown = generateTokenSecret(server.keyward.services.config.tokenPrefix);
    secrets.add(flipped);
    secrets.add(unknown);
    expect((await gql('use flipped', '{ viewer { id } }', {}, bearer(flipped))).code).toBe('INVALID_TOKEN');
    expect((await gql('use unknown', '{ viewer { id } }', {}, { 'x-api-key': unknown })).code).toBe(
      'INVALID_TOKEN',
    );
    expect(
      (await gql('use malformed', '{ viewer { id } }', {}, { authorization: `Token ${all.secret}` })).code,
    ).toBe('INVALID_TOKEN');
    expect(
      (await gql('use junk', '{ viewer { id } }', {}, { authorization: `Bearer ${all.secret}x` })).code,
    ).toBe('INVALID_TOKEN');

    // REST, both ways.
    await record('whoami', await fetch(`${server.url}/api/cli/whoami`, { headers: bearer(all.secret) }));
    await record('whoami flipped', await fetch(`${server.url}/api/cli/whoami`, { headers: bearer(flipped) }));

    // List, then revoke everything.
    const list = await gql('list', '{ tokens { edges { node { id name status lastUsedAt } } } }', {}, cookie);
    for (const { node } of list.data.tokens!.edges) {
      await gql('revoke', 'mutation($id: ID!) { revokeToken(id: $id) { status } }', { id: node.id }, cookie);
    }
    await gql(
      'audit',
      '{ auditEvents(first: 100) { edges { node { action targetId ip userAgent } } } }',
      {},
      cookie,
    );
    // Usage is written behind: flush it so the database check sees lastUsed* and daily counts.
    await server.keyward.services.usage.flush();
    expect(secrets.size).toBe(7);
  });

  it('responses: only createToken payloads carry a token-shaped string, and only their own secret', () => {
    expect(exchanges.length).toBeGreaterThan(20);
    for (const exchange of exchanges) {
      const found = tokenShaped(exchange.text);
      expect({ label: exchange.label, found }).toEqual({
        label: exchange.label,
        found: exchange.issued ? [exchange.issued] : [],
      });
    }
  });

  it('error messages: none holds a secret or anything token-shaped', () => {
    const messages = exchanges.flatMap((exchange) => exchange.errorMessages);
    expect(messages.length).toBeGreaterThan(5);
    for (const message of messages) expect(tokenShaped(message)).toEqual([]);
  });

  it('logs: no line holds a secret or anything token-shaped', () => {
    expect(server.logs.length).toBeGreaterThan(20);
    for (const line of server.logs) {
      expect(tokenShaped(line), line).toEqual([]);
      for (const secret of secrets) expect(line).not.toContain(secret.slice(3));
    }
  });

  it('database: no column of any table holds a secret or anything token-shaped', async () => {
    const columns = await server.sql<{ table_name: string; column_name: string }>(
      `select table_name, column_name from information_schema.columns
       where table_schema = 'public' order by table_name, ordinal_position`,
    );
    const tables = new Map<string, string[]>();
    for (const { table_name, column_name } of columns) {
      tables.set(table_name, [...(tables.get(table_name) ?? []), column_name]);
    }
    expect([...tables.keys()]).toEqual(expect.arrayContaining(['api_token', 'audit_event', 'mail_outbox']));
    let cells = 0;
    for (const [table, names] of tables) {
      // Every column, whatever its type, cast to text: text, varchar, text[], jsonb and the rest.
      const list = names.map((name) => `"${name}"::text`).join(', ');
      const rows = await server.sql<Record<string, string | null>>(`select ${list} from "${table}"`);
      for (const row of rows) {
        for (const [column, value] of Object.entries(row)) {
          if (value === null) continue;
          cells++;
          expect(tokenShaped(value), `${table}.${column}`).toEqual([]);
          for (const secret of secrets) expect(value, `${table}.${column}`).not.toContain(secret.slice(3));
        }
      }
    }
    expect(cells).toBeGreaterThan(100);
  });
});

describe('secrets sent in the wrong place stay out of the logs', () => {
  it.each<[string, (secret: string) => { path: string; headers?: Record<string, string> }]>([
    ['a /graphql query parameter', (secret) => ({ path: `/graphql?token=${secret}&query={viewer{id}}` })],
    ['a REST query parameter', (secret) => ({ path: `/api/cli/whoami?access_token=${secret}` })],
    ['an unknown route query parameter', (secret) => ({ path: `/api/nothing?api_key=${secret}` })],
    [
      'an Authorization header with another scheme',
      (secret) => ({ path: '/graphql?query={viewer{id}}', headers: { authorization: `Token ${secret}` } }),
    ],
    [
      'an Authorization header with trailing junk',
      (secret) => ({ path: '/api/cli/whoami', headers: { authorization: `Bearer ${secret} please` } }),
    ],
    ['a REST path segment', (secret) => ({ path: `/api/tokens/${secret}` })],
    ['an unknown REST path', (secret) => ({ path: `/api/nothing/${secret}` })],
    ['a web app path', (secret) => ({ path: `/${secret}` })],
    [
      'a bare Authorization header',
      (secret) => ({ path: '/api/cli/whoami', headers: { authorization: secret } }),
    ],
  ])('%s', async (_label, request) => {
    const { account } = await server.seedAccount();
    const created = await server.keyward.services.tokens.createToken(
      server.keyward.services.orm.em.fork(),
      {
        principal: {
          kind: 'session',
          account,
          sessionHash: 'leak-test',
          permissions: new Set(['tokens:create']),
        },
        meta: { ip: null, userAgent: null },
      },
      { name: 'misplaced', preset: 'ALL' },
    );
    const { path, headers } = request(created.secret);
    const before = server.logs.length;
    const response = await fetch(`${server.url}${path}`, { headers: headers ?? {} });
    const text = await response.text();
    // The request is logged (so the check below looks at something), without the secret.
    await expect.poll(() => server.logs.slice(before).some((line) => line.includes('"request"'))).toBe(true);
    const lines = server.logs.slice(before).join('\n');
    expect(lines).not.toContain(created.secret.slice(3));
    expect(tokenShaped(lines)).toEqual([]);
    expect(tokenShaped(text)).toEqual([]);
  });
});
