/**
 * The shared auth matrix (STYLE "Tests"): the same credential cases run against every
 * token-facing operation, on GraphQL and on REST, so both surfaces keep one contract.
 *
 *   runTokenAuthMatrix('tokens', {
 *     server: () => server,
 *     surface: 'graphql',
 *     requiredPermission: 'tokens:read',
 *     call: graphqlAuthCall(() => server, '{ tokens { edges { node { id } } } }'),
 *   });
 *
 * Every case gets a fresh account, so cases never share a token cache entry, a per-token quota
 * or the 20-token cap, and "owner deleted" can delete the whole account.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import type { Account } from '../../server/src/accounts/accounts.entity.js';
import type { Caller } from '../../server/src/caller.js';
import type { ErrorCode } from '../../server/src/errors.js';
import { allPermissions } from '../../server/src/permissions/catalogue.js';
import { ownerPermissions } from '../../server/src/permissions/presets.js';
import type { TokenInput } from '../../server/src/tokens/token-rules.js';
import { BASE62_ALPHABET, generateTokenSecret } from '../../server/src/tokens/token-secret.js';
import type { SeedAccountOptions, TestServer } from './harness.js';

/** What a case presents: a Bearer token, or raw headers (X-Api-Key, broken Authorization values). */
export interface Credential {
  token?: string;
  raw?: Record<string, string>;
}

/** A token of the caller's own account, for operations that act on one (fresh in every case). */
export interface MatrixTarget {
  tokenId: string;
  /** What the operation's `prepare` made for the case (e.g. an organization's id and slug). */
  ids: Record<string, string>;
}

export interface AuthCallResult {
  status: number;
  /** The surface's error code (GraphQL extensions.code, REST body.error), or null on success. */
  code: string | null;
  message?: string | null;
  /** The answer without per-request noise (GraphQL `data`; REST body minus requestId). */
  data?: unknown;
  headers?: Headers;
}

export interface TokenAuthMatrixOptions {
  server: () => TestServer;
  surface: 'graphql' | 'rest';
  call: (credential: Credential, target: MatrixTarget) => Promise<AuthCallResult>;
  /** The permission the operation needs; omit for operations any valid token may call (whoami). */
  requiredPermission?: string;
  /** How the surface spells a code; default GraphQL UPPER_SNAKE, REST lower_snake. */
  expectCode?: (code: ErrorCode) => string;
  /** The answer without any credential; default GraphQL 200 UNAUTHENTICATED, REST 401 missing_token. */
  noCredential?: { status: number; code: ErrorCode | null; check?: (result: AuthCallResult) => void };
  /** HTTP status of insufficient_scope; default GraphQL 200 (a field error), REST 403. */
  insufficientScopeStatus?: number;
  okStatus?: number;
  /** Extra checks on a successful call. */
  expectOk?: (result: AuthCallResult, seeded: SeededCase) => void | Promise<void>;
  /** The token the passing cases present; default CUSTOM with only requiredPermission (else ALL). */
  callerToken?: Partial<TokenInput>;
  /** The operation takes a token id: prove another account's token answers exactly like an unknown id. */
  targetsToken?: boolean;
  /**
   * The operation changes something (a GraphQL mutation, a REST POST/DELETE). A free account's API
   * tokens only read, so the passing cases' account is then on the pro plan (unless `account` names
   * a plan), and one more case proves a free account's token is refused with
   * PLAN_UPGRADE_REQUIRED (403) before anything runs.
   */
  writes?: boolean;
  /** The case's account (e.g. plan team, role admin); default a verified free member (pro for `writes`). */
  account?: SeedAccountOptions;
  /** Makes what the operation acts on for each case's account; its ids reach `call` as `target.ids`. */
  prepare?: (server: TestServer, account: Account) => Promise<Record<string, string>>;
  /**
   * Ids that name nothing, in the shape `prepare` returns: prove another account's prepared
   * objects answer exactly like these.
   */
  unknownIds?: () => Record<string, string>;
}

export interface SeededToken {
  id: string;
  secret: string;
}

export interface SeededCase {
  account: Account;
  caller: SeededToken;
  target: SeededToken;
  ids: Record<string, string>;
}

/** The account's own web session as a service Caller, for seeding through the real services. */
export function sessionCaller(server: TestServer, account: Account): Caller {
  return {
    principal: {
      kind: 'session',
      account,
      sessionHash: 'auth-matrix-seed',
      permissions: ownerPermissions(account, server.keyward.services.catalogue),
    },
    meta: { ip: null, userAgent: 'auth-matrix seed' },
  };
}

/** What two answers must share to be indistinguishable (another account's object vs an unknown one). */
function comparable(result: AuthCallResult) {
  return {
    status: result.status,
    code: result.code,
    message: result.message ?? null,
    data: result.data ?? null,
  };
}

/**
 * Creates a token through the real TokensService (same rows and audit events as GraphQL), acting
 * as the account's own session, without spending the token-create rate limit.
 */
export async function seedToken(
  server: TestServer,
  account: Account,
  input: Partial<TokenInput> & { organizationId?: string } = {},
): Promise<SeededToken> {
  const { services } = server.keyward;
  const em = services.orm.em.fork();
  const caller = sessionCaller(server, account);
  const { token, secret } = await services.tokens.createToken(em, caller, {
    name: 'matrix',
    preset: 'ALL',
    ...input,
  });
  // Seeding is not a request: give the token-create point back.
  await services.rateLimits.reset('token-create', account.id);
  return { id: token.id, secret };
}

/** The same secret with one checksum character changed: well shaped, but the CRC no longer matches. */
export function flipChecksum(secret: string): string {
  const last = secret.at(-1)!;
  const replacement = BASE62_ALPHABET[(BASE62_ALPHABET.indexOf(last) + 1) % 62]!;
  return secret.slice(0, -1) + replacement;
}

/** A secret that is valid in every way except its prefix (`xx_` instead of the server's). */
export function wrongPrefixSecret(prefix = 'xx'): string {
  return generateTokenSecret(prefix);
}

export function credentialHeaders(credential: Credential): Record<string, string> {
  return {
    ...(credential.token === undefined ? {} : { authorization: `Bearer ${credential.token}` }),
    ...credential.raw,
  };
}

/** A matrix `call` for one GraphQL operation; `variables` may use the case's own target token. */
export function graphqlAuthCall(
  server: () => TestServer,
  query: string,
  variables: (target: MatrixTarget) => Record<string, unknown> = () => ({}),
): TokenAuthMatrixOptions['call'] {
  return async (credential, target) => {
    const response = await fetch(`${server().url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...credentialHeaders(credential) },
      body: JSON.stringify({ query, variables: variables(target) }),
    });
    const body = (await response.json()) as {
      data?: unknown;
      errors?: { message: string; extensions?: { code?: string } }[];
    };
    const error = body.errors?.[0];
    return {
      status: response.status,
      code: error?.extensions?.code ?? null,
      message: error?.message ?? null,
      data: body.data ?? null,
      headers: response.headers,
    };
  };
}

/** A matrix `call` for one REST route; `path` and `body` may use the case's own target token. */
export function restAuthCall(
  server: () => TestServer,
  route: {
    method?: string;
    path: (target: MatrixTarget) => string;
    body?: (target: MatrixTarget) => unknown;
  },
): TokenAuthMatrixOptions['call'] {
  return async (credential, target) => {
    const response = await fetch(`${server().url}${route.path(target)}`, {
      method: route.method ?? 'GET',
      headers: {
        ...(route.body ? { 'content-type': 'application/json' } : {}),
        ...credentialHeaders(credential),
      },
      ...(route.body ? { body: JSON.stringify(route.body(target)) } : {}),
    });
    const text = await response.text();
    const body = (text === '' ? null : JSON.parse(text)) as Record<string, unknown> | null;
    const { requestId: _requestId, ...data } = body ?? {};
    const failed = response.status >= 400 && typeof body?.error === 'string';
    return {
      status: response.status,
      code: failed ? String(body?.error) : null,
      message: typeof body?.message === 'string' ? body.message : null,
      data,
      headers: response.headers,
    };
  };
}

const requestScope = new AsyncLocalStorage<string[]>();
type AnyListener = (req: IncomingMessage, res: ServerResponse) => void;
type QueryFn = (this: unknown, ...args: unknown[]) => unknown;

/**
 * Every SQL statement sent to PostgreSQL on behalf of the HTTP requests made inside `run`.
 *
 * Why this proves "no database access": every database round trip in the process, whether from
 * the verifier's hot-path pool, MikroORM (knex) or anything added later, goes through
 * pg.Client.prototype.query, so that is where statements are counted. Background work (usage
 * flushes, the mail outbox poller) queries too, so a plain counter would be flaky; instead the
 * server's request listener is wrapped in an AsyncLocalStorage scope, and only statements issued
 * from inside a request's async context are recorded. Tests in a file run one at a time, so every
 * request in the window is the case's own. The unknown-token case is the positive control: its
 * one hash lookup must be seen, or the probe itself is broken.
 */
export async function queriesDuring<T>(
  server: TestServer,
  run: () => Promise<T>,
): Promise<{ result: T; queries: string[] }> {
  const http = server.keyward.server;
  const listeners = http.listeners('request') as AnyListener[];
  const queries: string[] = [];
  const scoped: AnyListener = (req, res) =>
    requestScope.run(queries, () => {
      for (const listener of listeners) listener.call(http, req, res);
    });
  const proto = pg.Client.prototype as unknown as { query: QueryFn };
  const original = proto.query;
  proto.query = function (this: unknown, ...args: unknown[]) {
    const [statement] = args;
    const text = typeof statement === 'string' ? statement : (statement as { text?: string })?.text;
    requestScope.getStore()?.push(String(text ?? statement));
    return original.apply(this, args);
  };
  http.removeAllListeners('request');
  http.on('request', scoped);
  try {
    return { result: await run(), queries: [...queries] };
  } finally {
    proto.query = original;
    http.removeListener('request', scoped);
    for (const listener of listeners) http.on('request', listener);
  }
}

/** A snapshot of what a failed call must not have changed: the target token and the audit log. */
async function stateOf(server: TestServer, seeded: SeededCase) {
  const tokens = await server.sql(
    'select id, name, description, active, revoked_at, updated_at from api_token where id = any($1) order by id',
    [[seeded.caller.id, seeded.target.id]],
  );
  const audit = await server.sql('select count(*)::int as n from audit_event');
  return { tokens, audit };
}

/**
 * Registers the matrix for one operation as a describe block. Each credential failure is
 * checked for its code and status, and for changing nothing.
 */
export function runTokenAuthMatrix(name: string, options: TokenAuthMatrixOptions): void {
  const graphql = options.surface === 'graphql';
  const code = options.expectCode ?? ((c: ErrorCode) => (graphql ? c.toUpperCase() : c));
  const noCredential = options.noCredential ?? {
    status: graphql ? 200 : 401,
    code: graphql ? 'unauthenticated' : 'missing_token',
  };
  const scopeStatus = options.insufficientScopeStatus ?? (graphql ? 200 : 403);
  const okStatus = options.okStatus ?? 200;
  const required = options.requiredPermission;
  const callerInput: Partial<TokenInput> =
    options.callerToken ?? (required ? { preset: 'CUSTOM', permissions: [required] } : { preset: 'ALL' });

  const caseAccount: SeedAccountOptions | undefined = options.writes
    ? { plan: 'pro', ...options.account }
    : options.account;

  async function seedCase(callerOverride: Partial<TokenInput> = callerInput): Promise<SeededCase> {
    const server = options.server();
    const { account } = await server.seedAccount(caseAccount);
    const caller = await seedToken(server, account, { name: 'caller', ...callerOverride });
    const target = await seedToken(server, account, { name: 'target', preset: 'READ_ONLY' });
    const ids = (await options.prepare?.(server, account)) ?? {};
    return { account, caller, target, ids };
  }

  const targetOf = (seeded: SeededCase): MatrixTarget => ({ tokenId: seeded.target.id, ids: seeded.ids });

  async function expectOk(result: AuthCallResult, seeded: SeededCase) {
    expect(result.code, `${name} failed: ${result.message}`).toBeNull();
    expect(result.status).toBe(okStatus);
    await options.expectOk?.(result, seeded);
  }

  /** Calls with a credential that must fail as a whole; returns the statements it ran. */
  async function expectRejected(
    seeded: SeededCase,
    credential: Credential,
    expected: { status: number; code: ErrorCode },
  ): Promise<string[]> {
    const server = options.server();
    const before = await stateOf(server, seeded);
    const { result, queries } = await queriesDuring(server, () => options.call(credential, targetOf(seeded)));
    expect({ status: result.status, code: result.code }).toEqual({
      status: expected.status,
      code: code(expected.code),
    });
    expect(await stateOf(server, seeded)).toEqual(before);
    return queries;
  }

  describe(`${name}: token auth matrix`, () => {
    it(`${name}: a Bearer token${required ? ` holding only ${required}` : ''} is accepted`, async () => {
      const seeded = await seedCase();
      await expectOk(await options.call({ token: seeded.caller.secret }, targetOf(seeded)), seeded);
    });

    it(`${name}: the same token in X-Api-Key is accepted like a Bearer token`, async () => {
      const seeded = await seedCase();
      const result = await options.call({ raw: { 'x-api-key': seeded.caller.secret } }, targetOf(seeded));
      await expectOk(result, seeded);
    });

    it(`${name}: without any credential answers ${noCredential.status} ${noCredential.code ?? 'without an error'}`, async () => {
      const seeded = await seedCase();
      const before = await stateOf(options.server(), seeded);
      const result = await options.call({}, targetOf(seeded));
      expect({ status: result.status, code: result.code }).toEqual({
        status: noCredential.status,
        code: noCredential.code === null ? null : code(noCredential.code),
      });
      noCredential.check?.(result);
      expect(await stateOf(options.server(), seeded)).toEqual(before);
    });

    const prefix = () => options.server().keyward.services.config.tokenPrefix;
    it.each<[string, (secret: string) => Credential]>([
      ['random junk', () => ({ token: 'not-a-token-at-all' })],
      ['"Bearer" with no value', () => ({ raw: { authorization: 'Bearer' } })],
      ['another scheme ("Token <secret>")', (secret) => ({ raw: { authorization: `Token ${secret}` } })],
      ['a wrong prefix (xx_...) with a valid checksum', () => ({ token: wrongPrefixSecret() })],
      [
        'the right prefix with a non-base62 character',
        (secret) => ({ token: `${secret.slice(0, 10)}-${secret.slice(11)}` }),
      ],
      ['a truncated secret', (secret) => ({ token: secret.slice(0, -1) })],
      ['junk in X-Api-Key', () => ({ raw: { 'x-api-key': `${prefix()}_junk` } })],
      ['a flipped checksum character', (secret) => ({ token: flipChecksum(secret) })],
    ])(`${name}: %s is INVALID_TOKEN (401) without touching the database`, async (_label, credential) => {
      const seeded = await seedCase();
      const queries = await expectRejected(seeded, credential(seeded.caller.secret), {
        status: 401,
        code: 'invalid_token',
      });
      expect(queries).toEqual([]);
    });

    it(`${name}: an unknown well-formed token is INVALID_TOKEN (401) after exactly one lookup`, async () => {
      const seeded = await seedCase();
      const queries = await expectRejected(
        seeded,
        { token: generateTokenSecret(prefix()) },
        { status: 401, code: 'invalid_token' },
      );
      expect(queries).toHaveLength(1);
      expect(queries[0]).toMatch(/from api_token/);
    });

    it(`${name}: a bad Authorization header is not rescued by a valid X-Api-Key`, async () => {
      const seeded = await seedCase();
      await expectRejected(
        seeded,
        { token: flipChecksum(seeded.caller.secret), raw: { 'x-api-key': seeded.caller.secret } },
        { status: 401, code: 'invalid_token' },
      );
    });

    it.each<[string, ErrorCode, string]>([
      ['revoked', 'token_revoked', 'update api_token set revoked_at = now() where id = $1'],
      [
        'expired',
        'token_expired',
        "update api_token set expires_at = now() - interval '1 second' where id = $1",
      ],
      ['inactive', 'token_inactive', 'update api_token set active = false where id = $1'],
      [
        'owned by a deleted account',
        'token_user_missing',
        'delete from account where id = (select account_id from api_token where id = $1)',
      ],
    ])(`${name}: a token that is %s answers %s (401)`, async (_state, expected, statement) => {
      const seeded = await seedCase();
      // The state is set before the token's first use, so no cache entry can predate it.
      await options.server().sql(statement, [seeded.caller.id]);
      await expectRejected(seeded, { token: seeded.caller.secret }, { status: 401, code: expected });
    });

    if (required) {
      it(`${name}: a token holding every permission a member may hold but ${required} is INSUFFICIENT_SCOPE naming it`, async () => {
        // Admin-only actions cannot be stored in a member's CUSTOM grant.
        const catalogue = options.server().keyward.services.catalogue;
        const memberMayHold = ownerPermissions({ role: 'member', emailVerified: true }, catalogue);
        const everythingElse = allPermissions(catalogue).filter(
          (permission) => permission !== required && memberMayHold.has(permission),
        );
        const seeded = await seedCase({ preset: 'CUSTOM', permissions: everythingElse });
        const before = await stateOf(options.server(), seeded);
        const result = await options.call({ token: seeded.caller.secret }, targetOf(seeded));
        expect({ status: result.status, code: result.code }).toEqual({
          status: scopeStatus,
          code: code('insufficient_scope'),
        });
        expect(result.message).toContain(required);
        expect(await stateOf(options.server(), seeded)).toEqual(before);
      });
    }

    if (options.writes) {
      it(`${name}: a free account's token${required ? ` holding ${required}` : ''} answers 403 PLAN_UPGRADE_REQUIRED and changes nothing`, async () => {
        const seeded = await seedCase();
        const server = options.server();
        // Downgraded after seeding (what `prepare` makes may need a plan), before the token's first
        // use, so no cache entry can predate it.
        await server.sql("update account set plan = 'free' where id = $1", [seeded.account.id]);
        const before = await stateOf(server, seeded);
        const result = await options.call({ token: seeded.caller.secret }, targetOf(seeded));
        expect({ status: result.status, code: result.code }).toEqual({
          status: 403,
          code: code('plan_upgrade_required'),
        });
        expect(await stateOf(server, seeded)).toEqual(before);
      });
    }

    if (options.targetsToken) {
      it(`${name}: another account's token id answers exactly like an unknown id and changes nothing`, async () => {
        const server = options.server();
        const seeded = await seedCase();
        const other = await seedCase();
        const foreign = { tokenId: other.target.id, ids: seeded.ids };
        const unknown = { tokenId: randomUUID(), ids: seeded.ids };
        const before = await stateOf(server, other);
        const forForeign = comparable(await options.call({ token: seeded.caller.secret }, foreign));
        const forUnknown = comparable(await options.call({ token: seeded.caller.secret }, unknown));
        expect(forForeign).toEqual(forUnknown);
        expect(await stateOf(server, other)).toEqual(before);
      });
    }

    const { unknownIds } = options;
    if (unknownIds) {
      it(`${name}: another account's ${Object.keys(unknownIds()).join(' and ')} answer exactly like unknown ones and change nothing`, async () => {
        const server = options.server();
        const seeded = await seedCase();
        const other = await seedCase();
        const before = await stateOf(server, other);
        const call = (ids: Record<string, string>) =>
          options.call({ token: seeded.caller.secret }, { tokenId: seeded.target.id, ids });
        expect(comparable(await call(other.ids))).toEqual(comparable(await call(unknownIds())));
        expect(await stateOf(server, other)).toEqual(before);
      });
    }
  });
}
