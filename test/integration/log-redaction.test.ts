/**
 * A failing statement is logged without the values it carried: no password hash, email, token hash
 * or IP reaches a log line through an error's message, stack, detail or cause.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/harness.js';

const REGISTER = 'mutation($input: RegisterInput!) { register(input: $input) { id } }';
const CREATE = 'mutation($input: CreateTokenInput!) { createToken(input: $input) { token { id } secret } }';
const EMAIL = 'leaky.person@example.org';
const PASSWORD = 'a password long enough to pass';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

/** Error-level lines logged since `from`, as raw JSON text. */
function errorLinesSince(from: number): string[] {
  return server.logs.slice(from).filter((line) => (JSON.parse(line) as { level: number }).level >= 50);
}

describe('errors of failing statements are logged without their parameter values', () => {
  it('a failing account insert on register logs neither the email nor the argon2 hash', async () => {
    await server.sql(`alter table account rename column name to display_name`);
    const from = server.logs.length;
    try {
      const response = await server.gql(REGISTER, {
        input: { email: EMAIL, password: PASSWORD, name: 'New Person' },
      });
      expect(response.body.errors?.[0]?.extensions?.code).toBe('INTERNAL_ERROR');
    } finally {
      await server.sql(`alter table account rename column display_name to name`);
    }
    const lines = errorLinesSince(from);
    expect(lines.length).toBeGreaterThan(0);
    const text = lines.join('\n');
    // The error is still useful: the failure and the statement's shape remain.
    expect(text).toMatch(/display_name|column|name/);
    expect(text).not.toContain(EMAIL);
    expect(text).not.toContain('$argon2');
    expect(text).not.toContain('New Person');
  });

  it('a failing token insert logs no token hash, prefix or account email', async () => {
    const { email, password } = await server.seedAccount({ plan: 'team' });
    const cookie = await server.login(email, password);
    await server.sql(`alter table api_token add column must_have text not null default 'x'`);
    await server.sql(`alter table api_token alter column must_have drop default`);
    const from = server.logs.length;
    try {
      const response = await server.gql(
        CREATE,
        { input: { name: 'doomed token name', preset: 'ALL' } },
        { cookie },
      );
      expect(response.body.errors?.[0]?.extensions?.code).toBe('INTERNAL_ERROR');
    } finally {
      await server.sql(`alter table api_token drop column must_have`);
    }
    const text = errorLinesSince(from).join('\n');
    expect(text).toContain('must_have');
    // A SHA-256 in hex, a display prefix (kw_...), the token's name, the owner's email.
    expect(text).not.toMatch(/[0-9a-f]{64}/);
    expect(text).not.toMatch(/kw_[A-Za-z0-9]{4,}/);
    expect(text).not.toContain('doomed token name');
    expect(text).not.toContain(email);
  });

  it('a failing usage flush logs no IP address or token id values', async () => {
    const { email, password } = await server.seedAccount({ plan: 'team' });
    const cookie = await server.login(email, password);
    const created = await server.gql<{ createToken: { token: { id: string }; secret: string } }>(
      CREATE,
      { input: { name: 'used token', preset: 'ALL' } },
      { cookie },
    );
    const token = created.body.data!.createToken;
    expect((await server.rest('/api/cli/whoami', { token: token.secret })).status).toBe(200);
    await server.sql(`alter table token_usage_day rename column count to uses`);
    const from = server.logs.length;
    try {
      await server.keyward.services.usage.flush();
    } finally {
      await server.sql(`alter table token_usage_day rename column uses to count`);
    }
    const text = errorLinesSince(from).join('\n');
    expect(text).toContain('usage flush failed');
    expect(text).not.toContain(token.token.id);
    expect(text).not.toContain('127.0.0.1');
    // Nothing lost: the batch is kept and written once the table is back.
    await server.keyward.services.usage.flush();
    const [usage] = await server.sql<{ n: number }>(
      'select coalesce(sum(count), 0)::int as n from token_usage_day where token_id = $1',
      [token.token.id],
    );
    expect(usage).toEqual({ n: 1 });
  });
});
