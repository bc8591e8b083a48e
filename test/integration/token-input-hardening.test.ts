import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedToken } from '../helpers/auth-matrix.js';
import { type GqlResponse, startTestServer, type TestServer } from '../helpers/harness.js';
import { expectRestError, jsonRequest } from '../helpers/rest.js';

const CREATE =
  'mutation($input: CreateTokenInput!) { createToken(input: $input) { token { id name description } } }';
const UPDATE =
  'mutation($id: ID!, $input: UpdateTokenInput!) { updateToken(id: $id, input: $input) { id name } }';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

async function member(): Promise<{ id: string; cookie: string; email: string }> {
  const seeded = await server.seedAccount();
  return {
    id: seeded.account.id,
    email: seeded.email,
    cookie: await server.login(seeded.email, seeded.password),
  };
}

function validation(response: GqlResponse<unknown>, field: string | RegExp): void {
  const error = response.body.errors?.[0];
  expect(error?.extensions?.code, JSON.stringify(response.body)).toBe('VALIDATION_FAILED');
  expect(error?.extensions?.field).toMatch(field);
  expect(response.status).toBe(200);
}

describe('admin-only permissions in a member’s CUSTOM grant', () => {
  it('createToken: a member asking for components:publish or blocks:publish is VALIDATION_FAILED naming them; nothing is stored', async () => {
    const me = await member();
    const response = await server.gql(
      CREATE,
      {
        input: {
          name: 'publisher',
          preset: 'CUSTOM',
          permissions: ['components:read', 'components:publish', 'blocks:publish'],
        },
      },
      { cookie: me.cookie },
    );
    validation(response, 'permissions');
    expect(response.body.errors?.[0]?.message).toMatch(/components:publish/);
    expect(response.body.errors?.[0]?.message).toMatch(/blocks:publish/);
    expect(await server.sql('select 1 from api_token where account_id = $1', [me.id])).toEqual([]);
    const rest = await server.rest('/api/tokens', {
      ...jsonRequest('POST', { name: 'publisher', permissions: ['blocks:publish'] }),
      cookie: me.cookie,
    });
    await expectRestError(rest, 400, 'validation_failed');
  });

  it('createToken: an admin may store them', async () => {
    const admin = await server.seedAccount({ role: 'admin' });
    const { id } = await seedToken(server, admin.account, {
      preset: 'CUSTOM',
      permissions: ['components:publish'],
    });
    const [row] = await server.sql('select permissions from api_token where id = $1', [id]);
    expect(row).toEqual({ permissions: ['components:publish'] });
  });
});

describe('a revoked token cannot be renamed', () => {
  it('updateToken: on a revoked token is a TOKEN_REVOKED field error (HTTP 200, not a 401 of the request); nothing changes', async () => {
    const me = await member();
    const seeded = await server.seedAccount();
    const { id } = await seedToken(server, seeded.account, { name: 'before' });
    const cookie = await server.login(seeded.email, seeded.password);
    await server.gql('mutation($id: ID!) { revokeToken(id: $id) { id } }', { id }, { cookie });
    const response = await server.gql(UPDATE, { id, input: { name: 'after', description: 'x' } }, { cookie });
    expect(response.status).toBe(200);
    expect(response.body.errors?.[0]?.extensions?.code).toBe('TOKEN_REVOKED');
    expect(response.body.errors?.[0]?.path).toEqual(['updateToken']);
    expect(await server.sql('select name, description from api_token where id = $1', [id])).toEqual([
      { name: 'before', description: null },
    ]);
    // The session itself is fine: the next request works.
    expect((await server.gql('{ viewer { id } }', {}, { cookie })).body.data).toBeTruthy();
    expect(me.id).not.toBe(seeded.account.id);
  });
});

describe('NUL and control characters in string inputs', () => {
  it.each([
    ['NUL', 'a\u0000b'],
    ['ESC', 'evil\u001b[31mred'],
    ['C1 CSI', 'evil\u009b31m'],
    ['a newline in a name', 'two\nlines'],
  ])(
    'createToken: a name with %s is VALIDATION_FAILED on name (GraphQL and REST), never a 500',
    async (_what, name) => {
      const me = await member();
      validation(
        await server.gql(CREATE, { input: { name, preset: 'ALL' } }, { cookie: me.cookie }),
        // Line breaks pass the GraphQL-wide check (descriptions keep them); the name rule refuses them.
        /^(input\.)?name$/,
      );
      const rest = await server.rest('/api/tokens', { ...jsonRequest('POST', { name }), cookie: me.cookie });
      const body = await expectRestError(rest, 400, 'validation_failed');
      expect(body.message).toMatch(/^name: /);
    },
  );

  it('createToken: a NUL in a literal argument is refused as well, naming its path', async () => {
    const me = await member();
    const literal = await server.gql(
      'mutation { createToken(input: {name: "ok", description: "bad\\u0000", preset: ALL}) { token { id } } }',
      {},
      { cookie: me.cookie },
    );
    validation(literal, 'input.description');
  });

  it('createToken: a description keeps newlines and tabs, but not NUL', async () => {
    const me = await member();
    const ok = await server.gql<{ createToken: { token: { description: string } } }>(
      CREATE,
      { input: { name: 'multi', description: 'line one\n\tline two', preset: 'ALL' } },
      { cookie: me.cookie },
    );
    expect(ok.body.data?.createToken.token.description).toBe('line one\n\tline two');
    const rest = await server.rest('/api/tokens', {
      ...jsonRequest('POST', { name: 'x', description: 'nul\u0000' }),
      cookie: me.cookie,
    });
    expect((await expectRestError(rest, 400, 'validation_failed')).message).toMatch(/^description: /);
  });

  it('updateToken: a control character in the new name is VALIDATION_FAILED', async () => {
    const seeded = await server.seedAccount();
    const { id } = await seedToken(server, seeded.account);
    const cookie = await server.login(seeded.email, seeded.password);
    validation(await server.gql(UPDATE, { id, input: { name: 'x\u0007' } }, { cookie }), 'input.name');
  });

  it('login, register and password reset: a NUL email is VALIDATION_FAILED on GraphQL and REST, not a 500', async () => {
    const email = 'a\u0000@example.com';
    validation(
      await server.gql('mutation($input: LoginInput!) { login(input: $input) { id } }', {
        input: { email, password: 'whatever password' },
      }),
      'input.email',
    );
    validation(
      await server.gql('mutation($input: RegisterInput!) { register(input: $input) { id } }', {
        input: { email, password: 'a long enough password', name: 'Name' },
      }),
      'input.email',
    );
    validation(
      await server.gql('mutation($input: RegisterInput!) { register(input: $input) { id } }', {
        input: { email: 'fine@example.com', password: 'a long enough password', name: 'Bad\u001bName' },
      }),
      'input.name',
    );
    validation(
      await server.gql('mutation($email: String!) { requestPasswordReset(email: $email) }', { email }),
      'email',
    );
    const rest = await server.rest('/api/v1/auth/login', jsonRequest('POST', { email, password: 'x' }));
    expect((await expectRestError(rest, 400, 'validation_failed')).message).toMatch(/^email: /);
  });

  it('services refuse control characters too (callers other than the edge)', async () => {
    const { services } = server.keyward;
    await expect(
      services.accounts.authenticate(services.orm.em.fork(), 'x\u0000@example.com', 'password', {
        meta: { ip: null, userAgent: null },
        via: 'api',
      }),
    ).rejects.toMatchObject({ code: 'validation_failed', field: 'email' });
    const seeded = await server.seedAccount();
    await expect(seedToken(server, seeded.account, { name: 'nul\u0000' })).rejects.toMatchObject({
      code: 'validation_failed',
      field: 'name',
    });
  });
});
