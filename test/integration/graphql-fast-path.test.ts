import type { IncomingMessage } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGraphQLFastPath } from '../../server/src/graphql/fast-path.js';
import { createGraphQLHandler } from '../../server/src/graphql/yoga.js';
import { createLogger } from '../../server/src/logger.js';
import { startTestServer, type TestServer } from '../helpers/harness.js';

/**
 * Bearer-token POSTs of application/json take a direct path (server/src/graphql/fast-path.ts) that
 * skips Yoga's Fetch-API layer. Whatever it answers must be what Yoga answers: each request below is
 * sent twice, once eligible for the direct path and once with an Accept header only Yoga serves
 * (`application/json, *\/*`, which Yoga also answers as application/json), and the two answers are compared.
 */

const CREATE = 'mutation($input: CreateTokenInput!) { createToken(input: $input) { secret } }';

interface Answer {
  status: number;
  contentType: string | null;
  rateLimit: (string | null)[];
  body: unknown;
}

describe.each(['test', 'production'] as const)('GraphQL direct path (%s mode)', (mode) => {
  let server: TestServer;
  let all: string;
  let readOnly: string;
  let noAccountRead: string;

  beforeAll(async () => {
    server = await startTestServer({
      NODE_ENV: mode,
      ...(mode === 'production' ? { KEYWARD_PUBLIC_URL: 'https://keyward.test' } : {}),
    });
    const { email, password } = await server.seedAccount({ plan: 'team' });
    const cookie = await server.login(email, password);
    const create = async (input: Record<string, unknown>) => {
      const response = await server.gql<{ createToken: { secret: string } }>(
        CREATE,
        { input: { rateLimitPerMinute: 10_000, ...input } },
        { cookie },
      );
      if (!response.body.data) throw new Error(JSON.stringify(response.body));
      return response.body.data.createToken.secret;
    };
    all = await create({ name: 'all', preset: 'ALL' });
    readOnly = await create({ name: 'read-only', preset: 'READ_ONLY' });
    noAccountRead = await create({ name: 'custom', preset: 'CUSTOM', permissions: ['tokens:read'] });
  });
  afterAll(() => server.close());

  async function post(token: string, body: string, headers: Record<string, string> = {}): Promise<Answer> {
    const response = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...headers },
      body,
    });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {}
    return {
      status: response.status,
      contentType: response.headers.get('content-type'),
      rateLimit: ['ratelimit-limit', 'ratelimit-remaining', 'x-ratelimit-scope'].map((name) =>
        // Remaining counts down between the two requests; compare presence only.
        name === 'ratelimit-remaining' ? String(response.headers.has(name)) : response.headers.get(name),
      ),
      body: parsed,
    };
  }

  /** The same request through the direct path and through Yoga. */
  async function both(token: string, body: string, headers: Record<string, string> = {}) {
    const direct = await post(token, body, { accept: 'application/json', ...headers });
    const yoga = await post(token, body, { accept: 'application/json, */*', ...headers });
    return { direct, yoga };
  }

  const json = (query: string, extra: Record<string, unknown> = {}) => JSON.stringify({ query, ...extra });

  it.each([
    ['a simple query', () => json('{ viewer { id email plan } }')],
    [
      'variables and an operation name',
      () =>
        json(
          'query A { viewer { id } } query B($first: Int) { tokens(first: $first) { edges { node { name } } } }',
          {
            operationName: 'B',
            variables: { first: 2 },
          },
        ),
    ],
    ['a __typename query', () => json('{ __typename }')],
    ['a syntax error', () => json('{ viewer { id }')],
    ['an unknown field', () => json('{ viewer { nope } }')],
    [
      'too many aliases',
      () => json(`{ ${Array.from({ length: 16 }, (_, i) => `v${i}: viewer { id }`).join(' ')} }`),
    ],
    [
      'a missing operation name with two operations',
      () => json('query A { viewer { id } } query B { viewer { id } }'),
    ],
    ['an unknown operation name', () => json('{ viewer { id } }', { operationName: 'Nope' })],
    [
      'a wrong variable type',
      () =>
        json('query($first: Int) { tokens(first: $first) { edges { cursor } } }', {
          variables: { first: 'x' },
        }),
    ],
    ['invalid JSON', () => '{"query": '],
    ['a JSON array (batching is off)', () => JSON.stringify([{ query: '{ __typename }' }])],
    ['an unexpected parameter', () => JSON.stringify({ query: '{ __typename }', nope: 1 })],
    ['a non-string query', () => JSON.stringify({ query: 42 })],
    ['a missing query', () => JSON.stringify({ variables: {} })],
    ['a subscription', () => json('subscription { viewer { id } }')],
    [
      'a mutation that fails (NOT_FOUND)',
      () => json('mutation { revokeToken(id: "00000000-0000-0000-0000-000000000000") { id } }'),
    ],
  ])('%s: the same status, content type, rate-limit headers and body as Yoga', async (_name, makeBody) => {
    const { direct, yoga } = await both(all, makeBody());
    expect(direct).toEqual(yoga);
  });

  it('a permission the token lacks: the same INSUFFICIENT_SCOPE answer as Yoga', async () => {
    const { direct, yoga } = await both(noAccountRead, json('{ viewer { id } }'));
    expect(direct).toEqual(yoga);
    expect(JSON.stringify(direct.body)).toContain('INSUFFICIENT_SCOPE');
  });

  it('a mutation the token may not run (read-only): the same answer as Yoga', async () => {
    const { direct, yoga } = await both(
      readOnly,
      json('mutation { revokeToken(id: "00000000-0000-0000-0000-000000000000") { id } }'),
    );
    expect(direct).toEqual(yoga);
  });

  it('a successful answer carries the rate-limit headers and X-Request-Id', async () => {
    const response = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { authorization: `Bearer ${all}`, 'content-type': 'application/json' },
      body: json('{ viewer { id } }'),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(response.headers.get('ratelimit-limit')).toBe('10000');
    expect(response.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(await response.json()).toEqual({ data: { viewer: { id: expect.any(String) } } });
  });
});

describe('GraphQL direct path: which requests it takes', () => {
  const yoga = createGraphQLHandler({ logger: createLogger('silent'), production: true });
  const fastPath = createGraphQLFastPath(yoga, createLogger('silent'));
  const request = (headers: Record<string, string>, method = 'POST') =>
    ({ method, headers }) as unknown as IncomingMessage;
  const ok = { 'content-type': 'application/json', 'content-length': '30' };

  it('is enabled with the Yoga configuration Keyward uses', () => {
    expect(fastPath).not.toBeNull();
  });

  it.each([
    ['plain JSON', ok, true],
    ['JSON with charset', { ...ok, 'content-type': 'application/json; charset=utf-8' }, true],
    ['Accept */*', { ...ok, accept: '*/*' }, true],
    ['Accept application/json', { ...ok, accept: 'application/json' }, true],
    ['Accept graphql-response+json', { ...ok, accept: 'application/graphql-response+json' }, false],
    ['Accept event-stream', { ...ok, accept: 'text/event-stream' }, false],
    ['an Origin (browser, CORS)', { ...ok, origin: 'https://example.com' }, false],
    // The edge has read the body within its limit before the direct path is asked.
    ['no Content-Length (chunked)', { 'content-type': 'application/json' }, true],
    ['gzip', { ...ok, 'content-encoding': 'gzip' }, false],
    ['another content type', { ...ok, 'content-type': 'application/graphql' }, false],
    ['another charset', { ...ok, 'content-type': 'application/json; charset=latin1' }, false],
  ])('%s → %s', (_name, headers, expected) => {
    expect(fastPath!.accepts(request(headers))).toBe(expected);
  });

  it('GET never takes it', () => {
    expect(fastPath!.accepts(request(ok, 'GET'))).toBe(false);
  });
});
