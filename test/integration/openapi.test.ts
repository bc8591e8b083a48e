/**
 * /api/openapi.json is generated from the route table's zod schemas; real answers of a running
 * server must validate against it (JSON Schema 2020-12, as OpenAPI 3.1 uses).
 */
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedToken } from '../helpers/auth-matrix.js';
import { startTestServer, type TestServer } from '../helpers/harness.js';

interface OpenApiDocument {
  openapi: string;
  paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
}

const pointer = (segment: string) => segment.replaceAll('~', '~0').replaceAll('/', '~1');

describe('OpenAPI document', () => {
  let server: TestServer;
  let document: OpenApiDocument;
  let ajv: Ajv2020;

  beforeAll(async () => {
    server = await startTestServer();
    const response = await fetch(`${server.url}/api/openapi.json`);
    expect(response.status).toBe(200);
    document = (await response.json()) as OpenApiDocument;
    ajv = new Ajv2020({ strict: false, allErrors: true });
    ajv.addSchema(document, 'openapi');
  });
  afterAll(() => server.close());

  /** Asserts a real response against the document's schema for its route, method and status. */
  async function expectConforms(response: Response, path: string, method: string): Promise<unknown> {
    const body = await response.json();
    const operation = document.paths[path]?.[method];
    expect(operation, `${method} ${path} is documented`).toBeDefined();
    expect(
      operation?.responses[String(response.status)],
      `${method} ${path} documents ${response.status}`,
    ).toBeDefined();
    const ref = `openapi#/paths/${pointer(path)}/${method}/responses/${response.status}/content/${pointer('application/json')}/schema`;
    const validate = ajv.getSchema(ref);
    expect(validate, ref).toBeDefined();
    const valid = validate?.(body);
    expect(valid, `${method} ${path} ${response.status}: ${JSON.stringify(validate?.errors)}`).toBe(true);
    return body;
  }

  it('is OpenAPI 3.1 and documents every REST route', () => {
    expect(document.openapi).toBe('3.1.0');
    expect(Object.keys(document.paths).sort()).toEqual([
      '/api/cli/blocks/{slug}',
      '/api/cli/whoami',
      '/api/cli/{slug}',
      '/api/registry',
      '/api/registry/{slug}',
      '/api/registry/{slug}/source',
      '/api/tokens',
      '/api/tokens/revoke-leaked',
      '/api/tokens/{id}',
      '/api/tokens/{id}/rotate',
      '/api/v1/api-tokens',
      '/api/v1/api-tokens/{id}',
      '/api/v1/auth/login',
      '/api/v1/auth/refresh-token',
      '/api/v1/auth/register',
      '/api/v1/auth/restore-password',
      '/healthz',
      '/readyz',
    ]);
  });

  it('real answers of every route validate against it, errors included', async () => {
    const { account, email, password } = await server.seedAccount({ plan: 'pro' });
    const token = await seedToken(server, account, { preset: 'ALL' });
    const bearer = { authorization: `Bearer ${token.secret}` };
    const cookie = await server.login(email, password);
    const session = { cookie, 'x-keyward-csrf': '1', 'content-type': 'application/json' };
    const url = (path: string) => `${server.url}${path}`;

    await expectConforms(await fetch(url('/api/cli/whoami'), { headers: bearer }), '/api/cli/whoami', 'get');
    await expectConforms(await fetch(url('/api/cli/whoami')), '/api/cli/whoami', 'get');
    await expectConforms(await fetch(url('/api/cli/button'), { headers: bearer }), '/api/cli/{slug}', 'get');
    await expectConforms(await fetch(url('/api/cli/nope'), { headers: bearer }), '/api/cli/{slug}', 'get');
    const registry = (await expectConforms(await fetch(url('/api/registry')), '/api/registry', 'get')) as {
      blocks: { slug: string }[];
    };
    const block = registry.blocks[0]?.slug ?? 'none';
    await expectConforms(
      await fetch(url(`/api/cli/blocks/${block}`), { headers: bearer }),
      '/api/cli/blocks/{slug}',
      'get',
    );
    await expectConforms(await fetch(url('/api/registry/button')), '/api/registry/{slug}', 'get');
    await expectConforms(
      await fetch(url('/api/registry/button/source')),
      '/api/registry/{slug}/source',
      'get',
    );
    const created = (await expectConforms(
      await fetch(url('/api/tokens'), {
        method: 'POST',
        headers: session,
        body: JSON.stringify({ name: 'openapi' }),
      }),
      '/api/tokens',
      'post',
    )) as { token: { id: string } };
    await expectConforms(
      await fetch(url('/api/tokens'), {
        method: 'POST',
        headers: session,
        body: JSON.stringify({ name: 7 }),
      }),
      '/api/tokens',
      'post',
    );
    await expectConforms(await fetch(url('/api/tokens'), { headers: session }), '/api/tokens', 'get');
    const rotated = (await expectConforms(
      await fetch(url(`/api/tokens/${created.token.id}/rotate`), {
        method: 'POST',
        headers: session,
        body: JSON.stringify({ gracePeriodHours: 1 }),
      }),
      '/api/tokens/{id}/rotate',
      'post',
    )) as { token: { id: string } };
    // A second rotation of the same token: the documented 409.
    await expectConforms(
      await fetch(url(`/api/tokens/${created.token.id}/rotate`), {
        method: 'POST',
        headers: session,
        body: JSON.stringify({}),
      }),
      '/api/tokens/{id}/rotate',
      'post',
    );
    await expectConforms(
      await fetch(url(`/api/tokens/${rotated.token.id}`), { method: 'DELETE', headers: session }),
      '/api/tokens/{id}',
      'delete',
    );
    await expectConforms(
      await fetch(url(`/api/tokens/${created.token.id}`), { method: 'DELETE', headers: session }),
      '/api/tokens/{id}',
      'delete',
    );
    const login = (await expectConforms(
      await fetch(url('/api/v1/auth/login'), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email, password }),
      }),
      '/api/v1/auth/login',
      'post',
    )) as { data: { accessToken: string; refreshToken: string } };
    await expectConforms(
      await fetch(url('/api/v1/auth/refresh-token'), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ refreshToken: login.data.refreshToken }),
      }),
      '/api/v1/auth/refresh-token',
      'post',
    );
    const access = { authorization: `Bearer ${login.data.accessToken}`, 'content-type': 'application/json' };
    const v1 = (await expectConforms(
      await fetch(url('/api/v1/api-tokens'), {
        method: 'POST',
        headers: access,
        body: JSON.stringify({ name: 'v1' }),
      }),
      '/api/v1/api-tokens',
      'post',
    )) as { data: { id: string } };
    await expectConforms(
      await fetch(url(`/api/v1/api-tokens/${v1.data.id}`), { method: 'DELETE', headers: access }),
      '/api/v1/api-tokens/{id}',
      'delete',
    );
    await expectConforms(
      await fetch(url('/api/tokens/revoke-leaked'), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ tokens: ['kw_nothing'] }),
      }),
      '/api/tokens/revoke-leaked',
      'post',
    );
    const json = { 'content-type': 'application/json' };
    const register = (body: unknown) =>
      fetch(url('/api/v1/auth/register'), { method: 'POST', headers: json, body: JSON.stringify(body) });
    const newEmail = `openapi-${Date.now()}@example.com`;
    for (const body of [
      { email: newEmail, password: 'long enough password', name: 'New' },
      { email: newEmail, password: 'long enough password' },
      { email: 'not-an-email', password: 'long enough password' },
    ])
      await expectConforms(await register(body), '/api/v1/auth/register', 'post');
    for (const body of [{ email }, { email: 7 }])
      await expectConforms(
        await fetch(url('/api/v1/auth/restore-password'), {
          method: 'POST',
          headers: json,
          body: JSON.stringify(body),
        }),
        '/api/v1/auth/restore-password',
        'post',
      );
    await expectConforms(await fetch(url('/healthz')), '/healthz', 'get');
    await expectConforms(await fetch(url('/readyz')), '/readyz', 'get');
  });
});
