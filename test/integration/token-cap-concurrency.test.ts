import { afterAll, beforeAll, expect, it } from 'vitest';
import { bootKeyward, type RunningKeyward } from '../../server/src/boot.js';
import { loadConfig } from '../../server/src/config.js';
import { createLogger } from '../../server/src/logger.js';
import { startTestServer, type TestServer } from '../helpers/harness.js';

const CREATE = 'mutation($input: CreateTokenInput!) { createToken(input: $input) { token { id } secret } }';

let server: TestServer;
let second: RunningKeyward;
beforeAll(async () => {
  server = await startTestServer();
  const databaseUrl = server.keyward.services.config.databaseUrl;
  if (!databaseUrl) throw new Error('the test server has no DATABASE_URL');
  const config = loadConfig({
    NODE_ENV: 'test',
    PORT: '0',
    HOST: '127.0.0.1',
    DATABASE_URL: databaseUrl,
    KEYWARD_LIMIT_TOKEN_CREATE: '10000/1m',
  });
  second = await bootKeyward(config, createLogger('silent'));
});
afterAll(async () => {
  await second?.stop();
  await server?.close();
});

/** A createToken mutation against either instance, with the session cookie and the CSRF header. */
async function create(url: string, cookie: string, name: string): Promise<{ status: number; code: unknown }> {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie, 'x-keyward-csrf': '1' },
    body: JSON.stringify({ query: CREATE, variables: { input: { name, preset: 'READ_ONLY' } } }),
  });
  const body = (await response.json()) as { errors?: { extensions?: { code?: string } }[] };
  return { status: response.status, code: body.errors?.[0]?.extensions?.code ?? null };
}

it('createToken: 50 racing creates on two instances sharing one database fill the 20-token cap exactly', async () => {
  const { account, email, password } = await server.seedAccount();
  const cookie = await server.login(email, password);
  const urls = [server.url, second.url];
  // Seeded on both instances: the session lives in the database, so one cookie works on either.
  for (let i = 0; i < 19; i++) {
    expect(await create(urls[i % 2]!, cookie, `seed ${i}`)).toEqual({ status: 200, code: null });
  }
  const results = await Promise.all(
    Array.from({ length: 50 }, (_, i) => create(urls[i % 2]!, cookie, `race ${i}`)),
  );
  const succeeded = results.filter((result) => result.code === null);
  const refused = results.filter((result) => result.code === 'TOKEN_LIMIT_REACHED');
  expect(succeeded).toHaveLength(1);
  expect(refused).toHaveLength(49);

  const [live] = await server.sql<{ n: number }>(
    `select count(*)::int as n from api_token
     where account_id = $1 and revoked_at is null and (expires_at is null or expires_at > now())`,
    [account.id],
  );
  expect(live).toEqual({ n: 20 });
  const [audited] = await server.sql<{ n: number }>(
    "select count(*)::int as n from audit_event where account_id = $1 and action = 'token.create'",
    [account.id],
  );
  expect(audited).toEqual({ n: 20 });
});
