import { getIntrospectionQuery } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GRAPHIQL_EXAMPLE } from '../../server/src/graphql/yoga.js';
import { startTestServer, type TestServer } from '../helpers/harness.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** 16 aliases of `viewer { id }`: one over the limit of 15. */
const SIXTEEN_ALIASES = `{ ${Array.from({ length: 16 }, (_, i) => `v${i}: viewer { id }`).join(' ')} }`;

/** Depth 10 through `__type` (`__schema` itself is exempt so GraphiQL's introspection query passes). */
const TOO_DEEP_TYPE =
  '{ __type(name: "Query") { fields { type { ofType { ofType { ofType { ofType { ofType { name } } } } } } } } }';

/** Depth 10 through a fragment on `Viewer`. */
const TOO_DEEP_FRAGMENT = `
  query { viewer { ...A } }
  fragment A on Viewer { __typename ... on Viewer { ... on Viewer { ... on Viewer { ... on Viewer { ... on Viewer { ... on Viewer { ... on Viewer { ... on Viewer { id } } } } } } } } }
`;

function errorMessages(body: { errors?: { message: string }[] }): string {
  return (body.errors ?? []).map((error) => error.message).join('\n');
}

describe('plumbing (test mode)', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close());

  it.each([
    ['GET', '/healthz'],
    ['GET', '/readyz'],
    ['POST', '/graphql'],
    ['GET', '/nothing-here'],
    ['GET', '/api/nothing-here'],
  ])('every response carries X-Request-Id: %s %s', async (method, path) => {
    const response = await fetch(`${server.url}${path}`, {
      method,
      headers: { 'content-type': 'application/json' },
      ...(method === 'POST' ? { body: JSON.stringify({ query: '{ __typename }' }) } : {}),
    });
    await response.arrayBuffer();
    expect(response.headers.get('x-request-id')).toMatch(UUID);
  });

  it('X-Request-Id: a sane incoming id is echoed back, on success and on error', async () => {
    const id = 'trace-0123456789.abc_DEF';
    const graphql = await server.gql('{ __typename }', {}, { headers: { 'x-request-id': id } });
    expect(graphql.headers.get('x-request-id')).toBe(id);
    const missing = await fetch(`${server.url}/api/unknown`, { headers: { 'x-request-id': id } });
    expect(missing.headers.get('x-request-id')).toBe(id);
    expect((await missing.json()).requestId).toBe(id);
  });

  it('X-Request-Id: an insane incoming id is replaced by a fresh one', async () => {
    for (const bad of ['short', 'has spaces in it', '<script>alert(1)</script>', 'x'.repeat(65)]) {
      const response = await fetch(`${server.url}/healthz`, { headers: { 'x-request-id': bad } });
      await response.arrayBuffer();
      expect(response.headers.get('x-request-id')).toMatch(UUID);
    }
  });

  it('/healthz answers 200 {status: "ok"}', async () => {
    const response = await fetch(`${server.url}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
  });

  it('/readyz answers 200 when the database is up', async () => {
    const response = await fetch(`${server.url}/readyz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: 'ready' });
  });

  it('an unknown /api route answers 404 JSON {error: "not_found", message, requestId}', async () => {
    const response = await fetch(`${server.url}/api/v0/does-not-exist`);
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    const body = await response.json();
    expect(body).toEqual({
      error: 'not_found',
      message: expect.any(String),
      requestId: response.headers.get('x-request-id'),
    });
    expect(body.message.length).toBeGreaterThan(0);
  });

  it('a malformed JSON body to /graphql answers 400 with a GraphQL-style error, and the server keeps serving', async () => {
    const response = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"query": "{ viewer { id } ',
    });
    expect(response.status).toBe(400);
    const body = await response.json();
    expect(body.errors).toEqual([expect.objectContaining({ message: expect.any(String) })]);
    expect(body.data ?? null).toBeNull();
    expect(response.headers.get('x-request-id')).toMatch(UUID);
    const next = await server.gql('{ __typename }');
    expect(next.body).toEqual({ data: { __typename: 'Query' } });
  });

  it('alias limit: a query with 16 aliases of viewer is rejected before it runs', async () => {
    const response = await server.gql(SIXTEEN_ALIASES);
    expect(response.body.data ?? null).toBeNull();
    expect(errorMessages(response.body)).toMatch(/alias/i);
  });

  it('alias limit: 15 aliases are still allowed', async () => {
    const query = `{ ${Array.from({ length: 15 }, (_, i) => `v${i}: viewer { id }`).join(' ')} }`;
    const response = await server.gql(query);
    expect(response.body.errors).toBeUndefined();
    expect(Object.keys(response.body.data ?? {})).toHaveLength(15);
  });

  it('depth limit: a query nested deeper than the limit is rejected with an error about depth', async () => {
    for (const query of [TOO_DEEP_TYPE, TOO_DEEP_FRAGMENT]) {
      const response = await server.gql(query);
      expect(response.body.data ?? null).toBeNull();
      expect(errorMessages(response.body)).toMatch(/depth/i);
    }
  });

  it('validation errors carry extensions.code GRAPHQL_VALIDATION_FAILED; limits their own code', async () => {
    for (const [query, code] of [
      ['{ viewer { nope } }', 'GRAPHQL_VALIDATION_FAILED'],
      [SIXTEEN_ALIASES, 'TOO_MANY_ALIASES'],
      [TOO_DEEP_TYPE, 'QUERY_TOO_DEEP'],
    ] as const) {
      const response = await server.gql(query);
      expect(response.body.errors?.length).toBeGreaterThan(0);
      for (const error of response.body.errors ?? []) {
        expect(error.extensions?.code, error.message).toBe(code);
      }
    }
  });

  it('cost limit: a full page of tokens with every field fits; an absurd query is refused with a code', async () => {
    const page = `{ tokens(first: 100) { edges { cursor node { id name description displayPrefix preset permissions
      effectivePermissions status active expiresAt revokedAt createdAt lastUsedAt lastUsedIp createdBy
      creator { type id name } rateLimitPerMinute } } pageInfo { hasNextPage endCursor } } }`;
    const fits = await server.gql(page);
    expect(fits.body.errors?.[0]?.extensions?.code).not.toBe('QUERY_TOO_COMPLEX');
    const absurd = `{ ${Array.from({ length: 15 }, (_, i) => `a${i}: tokens(first: 100) { edges { node { creator { name } usage { date count } } } }`).join(' ')} }`;
    const refused = await server.gql(absurd);
    expect(refused.body.data ?? null).toBeNull();
    expect(refused.body.errors?.[0]?.extensions?.code).toBe('QUERY_TOO_COMPLEX');
    expect(errorMessages(refused.body)).toMatch(/cost/i);
  });
});

describe('development mode', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ NODE_ENV: 'development' });
  });
  afterAll(() => server.close());

  it('GraphiQL: GET /graphql with Accept text/html serves GraphiQL that needs no external script or style', async () => {
    const response = await fetch(`${server.url}/graphql`, { headers: { accept: 'text/html' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    expect(response.headers.get('x-request-id')).toMatch(UUID);
    const html = await response.text();
    expect(html).toMatch(/graphiql/i);
    expect(html).not.toMatch(/<script[^>]*\ssrc\s*=\s*["']?(https?:)?\/\//i);
    expect(html).not.toMatch(/<link[^>]*\shref\s*=\s*["']?(https?:)?\/\//i);
    expect(html).not.toMatch(/@import\s+(url\()?["']?(https?:)?\/\//i);
    expect(html).not.toMatch(/unpkg\.com|jsdelivr|cdnjs|esm\.sh/i);
  });

  it('GraphiQL opens on a Keyward example query that answers without errors for a logged-in user', async () => {
    const html = await (await fetch(`${server.url}/graphql`, { headers: { accept: 'text/html' } })).text();
    expect(html).toContain('query MyTokens');
    const { email, password } = await server.seedAccount();
    const cookie = await server.login(email, password);
    const answer = await server.gql<{ viewer: { email: string } }>(GRAPHIQL_EXAMPLE, {}, { cookie });
    expect(answer.body.errors).toBeUndefined();
    expect(answer.body.data?.viewer.email).toBe(email);
  });

  it('introspection: works in development, including GraphiQL’s own introspection query', async () => {
    const small = await server.gql<{ __schema: { types: { name: string }[] } }>(
      '{ __schema { types { name } } }',
    );
    expect(small.body.errors).toBeUndefined();
    expect(small.body.data?.__schema.types.map((type) => type.name)).toContain('Viewer');
    const full = await server.gql(getIntrospectionQuery());
    expect(full.body.errors).toBeUndefined();
    expect(full.body.data).toHaveProperty('__schema.queryType.name', 'Query');
  });

  it('depth limit: applies in development too', async () => {
    const response = await server.gql(TOO_DEEP_TYPE);
    expect(response.body.data ?? null).toBeNull();
    expect(errorMessages(response.body)).toMatch(/depth/i);
  });

  it('field suggestions: development keeps "Did you mean" hints', async () => {
    const response = await server.gql('{ viewr { id } }');
    expect(errorMessages(response.body)).toMatch(/Did you mean/);
  });
});

describe('production mode', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ NODE_ENV: 'production', KEYWARD_PUBLIC_URL: 'https://keyward.test' });
  });
  afterAll(() => server.close());

  it('GraphiQL: GET /graphql with Accept text/html does not serve GraphiQL in production', async () => {
    const response = await fetch(`${server.url}/graphql`, { headers: { accept: 'text/html' } });
    const body = await response.text();
    expect(response.status).not.toBe(200);
    expect(response.headers.get('content-type') ?? '').not.toMatch(/text\/html/);
    expect(body).not.toMatch(/graphiql|<html|<script/i);
  });

  it('introspection: is disabled in production', async () => {
    const response = await server.gql('{ __schema { types { name } } }');
    expect(response.body.data ?? null).toBeNull();
    expect(response.body.errors?.length).toBeGreaterThan(0);
    expect(errorMessages(response.body)).toMatch(/introspection/i);
    const byType = await server.gql('{ __type(name: "Viewer") { fields { name } } }');
    expect(byType.body.data ?? null).toBeNull();
    expect(byType.body.errors?.length).toBeGreaterThan(0);
  });

  it('field suggestions: a misspelled field gets an error without a "Did you mean" hint', async () => {
    const response = await server.gql('{ viewr { id } }');
    expect(response.body.data ?? null).toBeNull();
    expect(response.body.errors?.length).toBeGreaterThan(0);
    expect(JSON.stringify(response.body)).not.toMatch(/Did you mean/i);
    expect(JSON.stringify(response.body)).not.toMatch(/"viewer"/);
  });

  it('alias and depth limits: apply in production', async () => {
    const aliases = await server.gql(SIXTEEN_ALIASES);
    expect(aliases.body.data ?? null).toBeNull();
    expect(errorMessages(aliases.body)).toMatch(/alias/i);
    const deep = await server.gql(TOO_DEEP_FRAGMENT);
    expect(deep.body.data ?? null).toBeNull();
    expect(errorMessages(deep.body)).toMatch(/depth/i);
  });
});

describe('production mode: unexpected errors', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ NODE_ENV: 'production', KEYWARD_PUBLIC_URL: 'https://keyward.test' });
  });
  afterAll(() => server.close());

  it('masking: a real database failure answers "Unexpected error." with INTERNAL_ERROR and leaks nothing', async () => {
    const { email, password } = await server.seedAccount();
    // Destructive, so last and on its own server: login now fails when it inserts the session.
    await server.sql('drop table session cascade');
    const response = await server.gql('mutation($input: LoginInput!) { login(input: $input) { id } }', {
      input: { email, password },
    });
    expect(response.body.data ?? null).toBeNull();
    expect(response.body.errors).toEqual([
      expect.objectContaining({ message: 'Unexpected error.', extensions: { code: 'INTERNAL_ERROR' } }),
    ]);
    expect(response.headers.getSetCookie()).toEqual([]);
    const text = JSON.stringify(response.body);
    for (const leak of [/session/i, /relation/i, /sql/i, /insert/i, /stack/i, /\.[cm]?[jt]s\b/, /\/work\//]) {
      expect(text).not.toMatch(leak);
    }
    expect(text).not.toMatch(/node_modules|server\/src|\bat \w/);
    // The cause is in the server log, for the operator.
    expect(server.logs.some((line) => line.includes('unexpected error') && line.includes('session'))).toBe(
      true,
    );
  });
});
