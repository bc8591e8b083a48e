import { type AuditResult, auditServer } from 'graphql-http';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { seedToken } from '../helpers/auth-matrix.js';
import { startTestServer, type TestServer } from '../helpers/harness.js';

/**
 * `/graphql` answers as the GraphQL-over-HTTP spec says, on both ways through the server: the
 * direct path for bearer-token JSON POSTs and Yoga's own handler (KEYWARD_GRAPHQL_FAST_PATH off).
 * With `Accept: application/graphql-response+json` a request error (unparseable document, invalid
 * document, refused by a limit, variables that do not coerce) answers 400 without `data`; with
 * `application/json` it answers 200, as that media type's clients expect.
 */

const GRAPHQL_RESPONSE = 'application/graphql-response+json';

interface GraphQLErrorBody {
  message: string;
  locations?: { line: number; column: number }[];
  path?: (string | number)[];
  extensions?: Record<string, unknown>;
}

interface Answer {
  status: number;
  contentType: string | null;
  body: { data?: unknown; errors?: GraphQLErrorBody[] };
}

/** 16 aliases of `viewer { id }`: one over the limit of 15. */
const SIXTEEN_ALIASES = `{ ${Array.from({ length: 16 }, (_, i) => `v${i}: viewer { id }`).join(' ')} }`;
/** Depth 10 through inline fragments on `Viewer`. */
const TOO_DEEP = `{ viewer { ...A } } fragment A on Viewer { __typename ${'... on Viewer { '.repeat(8)} id ${'} '.repeat(8)} }`;
/** Far over the cost limit, within the depth and alias limits. */
const TOO_COSTLY = `{ ${Array.from({ length: 15 }, (_, i) => `a${i}: tokens(first: 100) { edges { node { creator { name } usage { date count } } } }`).join(' ')} }`;
/** Over the token limit of 1000. */
const TOO_MANY_TOKENS = `{ ${'__typename '.repeat(1001)}}`;

const WRONG_VARIABLE = 'query($f: Int) { tokens(first: $f) { edges { node { id } } } }';

/** The audits Keyward passes with every credential: every result must be `ok` (or a mere `notice`). */
function failures(results: AuditResult[]): { id: string; name: string; status: string; reason: string }[] {
  return results
    .filter((result) => result.status === 'warn' || result.status === 'error')
    .map((result) => ({
      id: result.id,
      name: result.name,
      status: result.status,
      reason: 'reason' in result ? result.reason : '',
    }));
}

describe.each(['true', 'false'])('GraphQL over HTTP (KEYWARD_GRAPHQL_FAST_PATH=%s)', (fastPath) => {
  let server: TestServer;
  let secret: string;
  let cookie: string;

  beforeAll(async () => {
    server = await startTestServer({ KEYWARD_GRAPHQL_FAST_PATH: fastPath });
    const { account, email, password } = await server.seedAccount({ plan: 'team' });
    ({ secret } = await seedToken(server, account, { name: 'http', rateLimitPerMinute: 10_000 }));
    cookie = await server.login(email, password);
  });
  afterAll(() => server.close());

  async function send(
    init: { method?: string; path?: string; body?: string; headers?: Record<string, string> },
    credential: 'anonymous' | 'token' | 'cookie' = 'anonymous',
  ): Promise<Answer> {
    const headers: Record<string, string> = {
      ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(credential === 'token' ? { authorization: `Bearer ${secret}` } : {}),
      ...(credential === 'cookie' ? { cookie, 'x-keyward-csrf': '1' } : {}),
      ...init.headers,
    };
    const response = await fetch(`${server.url}${init.path ?? '/graphql'}`, {
      method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
      headers,
      ...(init.body === undefined ? {} : { body: init.body }),
    });
    return {
      status: response.status,
      contentType: response.headers.get('content-type'),
      body: (await response.json()) as Answer['body'],
    };
  }

  const post = (
    payload: Record<string, unknown> | string,
    credential: 'anonymous' | 'token' | 'cookie',
    accept?: string,
  ) =>
    send(
      {
        body: typeof payload === 'string' ? payload : JSON.stringify(payload),
        headers: accept ? { accept } : {},
      },
      credential,
    );

  const codes = (answer: Answer) => (answer.body.errors ?? []).map((error) => error.extensions?.code);

  /** Server log lines at level error (pino 50) or worse, written since `from`. */
  const errorLogs = (from: number) =>
    server.logs.slice(from).filter((line) => (JSON.parse(line) as { level: number }).level >= 50);

  it('an unparseable document answers GRAPHQL_PARSE_FAILED to everyone after a bearer client sent it first', async () => {
    const query = '{';
    const first = await post({ query }, 'token');
    expect(first.status).toBe(200);
    expect(codes(first)).toEqual(['GRAPHQL_PARSE_FAILED']);

    const anonymous = await post({ query }, 'anonymous', GRAPHQL_RESPONSE);
    expect(anonymous.status).toBe(400);
    expect(anonymous.contentType).toMatch(/^application\/graphql-response\+json/);
    expect(anonymous.body).not.toHaveProperty('data');
    expect(codes(anonymous)).toEqual(['GRAPHQL_PARSE_FAILED']);
    expect(anonymous.body.errors?.[0]?.message).toMatch(/^Syntax Error: /);

    for (const credential of ['anonymous', 'token', 'cookie'] as const) {
      const json = await post({ query }, credential);
      expect(json.status, credential).toBe(200);
      expect(codes(json), credential).toEqual(['GRAPHQL_PARSE_FAILED']);
      const strict = await post({ query }, credential, GRAPHQL_RESPONSE);
      expect(strict.status, credential).toBe(400);
      expect(codes(strict), credential).toEqual(['GRAPHQL_PARSE_FAILED']);
    }
  });

  it.each([
    ['variables', 'query=%7B__typename%7D&variables=%7B'],
    ['extensions', 'query=%7B__typename%7D&extensions=%7B'],
    ['variables', 'query=%7B__typename%7D&variables=%5B1%5D'],
  ])(
    'GET with malformed %s (%s) answers 400 BAD_REQUEST naming the parameter, and logs no error',
    async (name, search) => {
      const from = server.logs.length;
      for (const accept of ['application/json', GRAPHQL_RESPONSE]) {
        const answer = await send({ path: `/graphql?${search}`, headers: { accept } });
        expect(answer.status, accept).toBe(400);
        expect(answer.body).not.toHaveProperty('data');
        expect(codes(answer)).toEqual(['BAD_REQUEST']);
        expect(answer.body.errors?.[0]?.message).toContain(`"${name}"`);
      }
      expect(errorLogs(from)).toEqual([]);
    },
  );

  it('a form-encoded POST with malformed variables answers 400 BAD_REQUEST too', async () => {
    const from = server.logs.length;
    const answer = await send({
      method: 'POST',
      body: 'query=%7B__typename%7D&variables=%7B',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(answer.status).toBe(400);
    expect(codes(answer)).toEqual(['BAD_REQUEST']);
    expect(answer.body.errors?.[0]?.message).toBe('The "variables" parameter is not valid JSON.');
    expect(errorLogs(from)).toEqual([]);
  });

  it('a variable of the wrong type: graphql-js’s whole message; 400 with graphql-response+json, 200 with json', async () => {
    const message = 'Variable "$f" got invalid value "x"; Int cannot represent non-integer value: "x"';
    for (const credential of ['anonymous', 'token', 'cookie'] as const) {
      const strict = await post(
        { query: WRONG_VARIABLE, variables: { f: 'x' } },
        credential,
        GRAPHQL_RESPONSE,
      );
      expect(strict.status, credential).toBe(400);
      expect(strict.body).not.toHaveProperty('data');
      expect(strict.body.errors).toEqual([
        { message, locations: [{ line: 1, column: 7 }], extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } },
      ]);
      const json = await post({ query: WRONG_VARIABLE, variables: { f: 'x' } }, credential);
      expect(json.status, credential).toBe(200);
      expect(json.body).toEqual(strict.body);
    }
  });

  it('a variable its scalar refuses (DateTime): graphql-js’s whole message, VALIDATION_FAILED, 400 with graphql-response+json', async () => {
    const body = {
      query:
        'mutation($at: DateTime) { createToken(input: { name: "x", preset: ALL, expiresAt: $at }) { secret } }',
      variables: { at: 'soon' },
    };
    for (const credential of ['anonymous', 'token', 'cookie'] as const) {
      const strict = await post(body, credential, GRAPHQL_RESPONSE);
      expect(strict.status, credential).toBe(400);
      expect(strict.body).not.toHaveProperty('data');
      expect(strict.body.errors).toEqual([
        {
          message:
            'Variable "$at" got invalid value "soon"; Expected type "DateTime". DateTime must be an ISO-8601 string such as 2026-01-31T12:00:00Z.',
          locations: [{ line: 1, column: 10 }],
          extensions: { code: 'VALIDATION_FAILED' },
        },
      ]);
      const json = await post(body, credential);
      expect(json.status, credential).toBe(200);
      expect(json.body).toEqual(strict.body);
    }
  });

  it('a variable that does not coerce is not written to the log: it may hold a password', async () => {
    const from = server.logs.length;
    const answer = await post(
      {
        query: 'mutation($input: LoginInput!) { login(input: $input) { id } }',
        variables: { input: { email: 'someone@example.com', pasword: 'hunter2-typo-key' } },
      },
      'anonymous',
    );
    expect(answer.body.errors?.[0]?.message).toContain(
      'Field "password" of required type "String!" was not provided.',
    );
    expect(server.logs.slice(from).join('\n')).not.toContain('hunter2');
  });

  it('an expected error from a resolver keeps its path and locations', async () => {
    const query = '{ tokens(first: 1) {\n  edges { node { usage(days: 0) { count } } } } }';
    for (const credential of ['token', 'cookie'] as const) {
      const answer = await post({ query }, credential);
      expect(answer.status).toBe(200);
      expect(answer.body.errors).toEqual([
        expect.objectContaining({
          path: ['tokens', 'edges', 0, 'node', 'usage'],
          locations: [{ line: 2, column: 18 }],
          extensions: expect.objectContaining({ code: 'VALIDATION_FAILED', field: 'days' }),
        }),
      ]);
    }
    const refused = await post({ query: '{ viewer { id }\n  tokens { edges { cursor } } }' }, 'anonymous');
    expect(refused.body.errors).toEqual([
      expect.objectContaining({
        path: ['tokens'],
        locations: [{ line: 2, column: 3 }],
        extensions: { code: 'UNAUTHENTICATED' },
      }),
    ]);
  });

  it('an unexpected error from a resolver is masked and keeps its path and locations', async () => {
    const usage = vi
      .spyOn(server.keyward.services.tokens, 'usage')
      .mockRejectedValue(new Error('boom: secret internals'));
    try {
      const query = '{ tokens(first: 1) {\n  edges { node { usage { count } } } } }';
      for (const credential of ['token', 'cookie'] as const) {
        const answer = await post({ query }, credential);
        expect(answer.status).toBe(200);
        expect(answer.body.errors).toEqual([
          {
            message: 'Unexpected error.',
            path: ['tokens', 'edges', 0, 'node', 'usage'],
            locations: [{ line: 2, column: 18 }],
            extensions: { code: 'INTERNAL_ERROR' },
          },
        ]);
      }
    } finally {
      usage.mockRestore();
    }
  });

  it.each([
    ['depth', TOO_DEEP, 'QUERY_TOO_DEEP', /depth limit of 8/],
    ['aliases', SIXTEEN_ALIASES, 'TOO_MANY_ALIASES', /aliases limit of 15/i],
    ['cost', TOO_COSTLY, 'QUERY_TOO_COMPLEX', /cost limit/i],
    ['tokens', TOO_MANY_TOKENS, 'TOO_MANY_TOKENS', /token limit of 1000/i],
  ])(
    'a query over the %s limit is refused with its own code: 400 with graphql-response+json, 200 with json',
    async (_limit, query, code, message) => {
      for (const credential of ['anonymous', 'token', 'cookie'] as const) {
        const strict = await post({ query }, credential, GRAPHQL_RESPONSE);
        expect(strict.status, credential).toBe(400);
        expect(strict.body).not.toHaveProperty('data');
        expect(codes(strict), credential).toEqual([code]);
        const text = strict.body.errors?.[0]?.message ?? '';
        expect(text).toMatch(message);
        expect(text).not.toMatch(/Syntax Error/);
        const json = await post({ query }, credential);
        expect(json.status, credential).toBe(200);
        expect(json.body).toEqual(strict.body);
      }
    },
  );

  describe.each(['anonymous', 'token', 'cookie'] as const)('graphql-http audit (%s)', (credential) => {
    function fetchWith(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
      const headers = new Headers(init?.headers);
      if (credential === 'token') headers.set('authorization', `Bearer ${secret}`);
      if (credential === 'cookie') {
        headers.set('cookie', cookie);
        headers.set('x-keyward-csrf', '1');
      }
      return fetch(input, { ...init, headers });
    }

    it('passes every audit, also after a bearer client sent an unparseable document', async () => {
      // The audits' own unparseable document, sent by a bearer client first (the direct path).
      await post({ query: '{' }, 'token');
      await post({ query: '{ 🤓' }, 'token');
      const from = server.logs.length;
      const results = await auditServer({ url: `${server.url}/graphql`, fetchFn: fetchWith });
      expect(results.length).toBeGreaterThan(40);
      expect(failures(results)).toEqual([]);
      expect(errorLogs(from)).toEqual([]);
    });
  });
});

describe.each(['true', 'false'])(
  'GraphQL over HTTP in production (KEYWARD_GRAPHQL_FAST_PATH=%s)',
  (fastPath) => {
    let server: TestServer;
    let secret: string;

    beforeAll(async () => {
      server = await startTestServer({
        NODE_ENV: 'production',
        KEYWARD_PUBLIC_URL: 'https://keyward.test',
        KEYWARD_GRAPHQL_FAST_PATH: fastPath,
      });
      const { account } = await server.seedAccount();
      ({ secret } = await seedToken(server, account, { name: 'http', rateLimitPerMinute: 10_000 }));
    });
    afterAll(() => server.close());

    it.each(['anonymous', 'token'])(
      'invalid JSON (%s) answers 400 BAD_REQUEST and exposes no parser internals',
      async (credential) => {
        for (const accept of ['application/json', GRAPHQL_RESPONSE]) {
          const response = await fetch(`${server.url}/graphql`, {
            method: 'POST',
            headers: {
              'content-type': 'application/json',
              accept,
              ...(credential === 'token' ? { authorization: `Bearer ${secret}` } : {}),
            },
            body: '{"query": ',
          });
          expect(response.status).toBe(400);
          expect(await response.json()).toEqual({
            errors: [{ message: 'POST body sent invalid JSON.', extensions: { code: 'BAD_REQUEST' } }],
          });
        }
      },
    );
  },
);
