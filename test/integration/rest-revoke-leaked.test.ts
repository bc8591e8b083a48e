import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateTokenSecret } from '../../server/src/tokens/token-secret.js';
import { flipChecksum, type SeededToken, seedToken, wrongPrefixSecret } from '../helpers/auth-matrix.js';
import { type SeededAccount, startTestServer, type TestServer } from '../helpers/harness.js';
import { expectRateLimited, expectRestError, jsonRequest } from '../helpers/rest.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

/** Every secret this file created, and every response text it received: nothing may echo a secret. */
const secrets: string[] = [];
const responseTexts: string[] = [];

/** POST /api/tokens/revoke-leaked; records the answer for the no-echo check. */
async function reportLeaked(
  body: unknown,
  s: TestServer = server,
  init: { headers?: Record<string, string> } = {},
): Promise<Response> {
  const response = await s.rest('/api/tokens/revoke-leaked', { ...jsonRequest('POST', body), ...init });
  const text = await response.clone().text();
  responseTexts.push(text);
  return response;
}

async function liveToken(s: TestServer = server, account?: SeededAccount) {
  const owner = account ?? (await s.seedAccount());
  const token = await seedToken(s, owner.account, { preset: 'CLI' });
  secrets.push(token.secret);
  return { owner, token };
}

async function whoami(token: SeededToken, s: TestServer = server): Promise<Response> {
  return s.rest('/api/cli/whoami', { token: token.secret });
}

async function revokedAt(id: string, s: TestServer = server): Promise<Date | null> {
  const [row] = await s.sql<{ revoked_at: Date | null }>('select revoked_at from api_token where id = $1', [
    id,
  ]);
  return row?.revoked_at ?? null;
}

async function leakReports(targetId: string) {
  return server.sql<{ action: string; actor_type: string; actor_id: string | null; account_id: string }>(
    'select action, actor_type, actor_id, account_id from audit_event where target_id = $1 and actor_type = $2',
    [targetId, 'leak-report'],
  );
}

describe('POST /api/tokens/revoke-leaked', () => {
  it('revoke-leaked: revokes every live token given, of any account, so whoami then answers 401 token_revoked; the owners’ other tokens keep working', async () => {
    const { owner, token: leaked } = await liveToken();
    const { token: untouched } = await liveToken(server, owner);
    const { token: theirs } = await liveToken();
    // Used first, so a cached verification has to be dropped too.
    for (const token of [leaked, untouched, theirs]) expect((await whoami(token)).status).toBe(200);

    const response = await reportLeaked({ tokens: [leaked.secret, theirs.secret] });
    expect(response.status).toBe(202);
    expect(await response.json()).toEqual({ received: 2 });

    for (const token of [leaked, theirs]) {
      await expectRestError(await whoami(token), 401, 'token_revoked');
      expect(await revokedAt(token.id)).toBeInstanceOf(Date);
    }
    expect((await whoami(untouched)).status).toBe(200);
    expect(await revokedAt(untouched.id)).toBeNull();
  });

  it('revoke-leaked: answers exactly the same status, body and headers whether the list holds live, unknown, already-revoked, malformed or no matching tokens', async () => {
    const live = [(await liveToken()).token, (await liveToken()).token];
    const alreadyRevoked = [(await liveToken()).token, (await liveToken()).token];
    await server.sql('update api_token set revoked_at = now() where id = any($1)', [
      alreadyRevoked.map((t) => t.id),
    ]);
    const mixed = (await liveToken()).token;
    const duplicated = (await liveToken()).token;
    const lists: [string, string[]][] = [
      ['live', live.map((token) => token.secret)],
      ['unknown', [generateTokenSecret('kw'), generateTokenSecret('kw')]],
      ['already revoked', alreadyRevoked.map((token) => token.secret)],
      ['malformed', ['hello', 'kw_short']],
      ['wrong prefix and bad checksum', [wrongPrefixSecret(), flipChecksum(mixed.secret)]],
      ['live and unknown', [mixed.secret, generateTokenSecret('kw')]],
      ['one live token twice', [duplicated.secret, duplicated.secret]],
      ['empty strings', ['', '']],
    ];
    const answers = [];
    for (const [label, tokens] of lists) {
      const response = await reportLeaked({ tokens });
      const headerNames = [...response.headers.keys()].sort();
      answers.push({
        label,
        status: response.status,
        body: await response.text(),
        headerNames,
        contentType: response.headers.get('content-type'),
      });
    }
    for (const answer of answers)
      expect({ ...answer, label: 'any' }).toEqual({ ...answers[0], label: 'any' });
    expect(answers[0]).toMatchObject({ status: 202, body: '{"received":2}' });
    for (const token of [...live, mixed, duplicated]) expect(await revokedAt(token.id)).toBeInstanceOf(Date);
  });

  it('revoke-leaked: writes one token.revoke audit event per revoked token with actor leak-report, none for already-revoked or repeated entries, and the owner sees it in auditEvents', async () => {
    const { owner, token: first } = await liveToken();
    const { token: second } = await liveToken(server, owner);
    const { token: earlier } = await liveToken(server, owner);
    await server.sql('update api_token set revoked_at = now() where id = $1', [earlier.id]);
    const userAgent = 'github-secret-scanning/1.0';
    const response = await reportLeaked(
      { tokens: [first.secret, second.secret, first.secret, earlier.secret] },
      server,
      { headers: { 'content-type': 'application/json', 'user-agent': userAgent } },
    );
    expect(response.status).toBe(202);
    for (const token of [first, second]) {
      expect(await leakReports(token.id)).toEqual([
        { action: 'token.revoke', actor_type: 'leak-report', actor_id: null, account_id: owner.account.id },
      ]);
    }
    expect(await leakReports(earlier.id)).toEqual([]);
    const [meta] = await server.sql(
      'select ip, user_agent from audit_event where target_id = $1 and actor_type = $2',
      [first.id, 'leak-report'],
    );
    expect(meta).toEqual({ ip: '127.0.0.1', user_agent: userAgent });

    // A second report of the same secrets changes nothing.
    expect((await reportLeaked({ tokens: [first.secret, second.secret] })).status).toBe(202);
    expect(await leakReports(first.id)).toHaveLength(1);

    const cookie = await server.login(owner.email, owner.password);
    const audit = await server.gql<{
      auditEvents: {
        edges: { node: { action: string; actor: { type: string; id: string | null }; targetId: string } }[];
      };
    }>(
      'query($id: ID) { auditEvents(tokenId: $id) { edges { node { action actor { type id } targetId } } } }',
      { id: first.id },
      { cookie },
    );
    expect(audit.body.errors).toBeUndefined();
    expect(audit.body.data?.auditEvents.edges.map((edge) => edge.node)).toEqual([
      { action: 'token.revoke', actor: { type: 'leak-report', id: null }, targetId: first.id },
      { action: 'token.create', actor: { type: 'account', id: owner.account.id }, targetId: first.id },
    ]);
  });

  it('revoke-leaked: exactly 100 entries are accepted', async () => {
    const { token } = await liveToken();
    const tokens = [token.secret, ...Array.from({ length: 99 }, () => generateTokenSecret('kw'))];
    const response = await reportLeaked({ tokens });
    expect(response.status).toBe(202);
    expect(await response.json()).toEqual({ received: 100 });
    expect(await revokedAt(token.id)).toBeInstanceOf(Date);
  });

  it.each<[string, (secret: string) => unknown, string]>([
    ['101 entries', (secret) => ({ tokens: [secret, ...Array.from({ length: 100 }, () => 'x')] }), 'tokens'],
    ['an empty list', () => ({ tokens: [] }), 'tokens'],
    ['no tokens key', () => ({}), 'tokens'],
    ['tokens as a string', (secret) => ({ tokens: secret }), 'tokens'],
    ['a non-string entry', (secret) => ({ tokens: [secret, 42] }), 'tokens.1'],
    ['an entry over 256 characters', (secret) => ({ tokens: [secret, 'a'.repeat(300)] }), 'tokens.1'],
    ['an extra key', (secret) => ({ tokens: [secret], source: 'github' }), 'source'],
    ['a bare array', (secret) => [secret], 'body'],
  ])(
    'revoke-leaked: %s is 400 validation_failed naming the field, and revokes nothing',
    async (_label, body, field) => {
      const { token } = await liveToken();
      const { message } = await expectRestError(
        await reportLeaked(body(token.secret)),
        400,
        'validation_failed',
      );
      expect(message).toContain(field);
      expect(await revokedAt(token.id)).toBeNull();
    },
  );

  it('revoke-leaked: a body that is not JSON is 400 (malformed JSON) or 415 (another content type), and revokes nothing', async () => {
    const { token } = await liveToken();
    await expectRestError(await reportLeaked(`{"tokens": ["${token.secret}"`), 400, 'validation_failed');
    const plain = await reportLeaked(token.secret, server, { headers: { 'content-type': 'text/plain' } });
    const { message } = await expectRestError(plain, 415, 'unsupported_media_type');
    expect(message).toContain('application/json');
    const form = await reportLeaked(`tokens=${token.secret}`, server, {
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    await expectRestError(form, 415, 'unsupported_media_type');
    expect(await revokedAt(token.id)).toBeNull();
  });

  it('revoke-leaked: GET is 405 method_not_allowed', async () => {
    await expectRestError(
      await server.rest('/api/tokens/revoke-leaked', { method: 'GET' }),
      405,
      'method_not_allowed',
    );
  });
});

describe('revoke-leaked rate limit (KEYWARD_LIMIT_REVOKE_LEAKED=3/1m)', () => {
  let limited: TestServer;
  beforeAll(async () => {
    limited = await startTestServer({ KEYWARD_LIMIT_REVOKE_LEAKED: '3/1m' });
  });
  afterAll(() => limited?.close());

  it('revoke-leaked: three reports per minute per IP pass; the 4th is 429 source revoke-leaked, scope ip, and revokes nothing', async () => {
    const { token } = await liveToken(limited);
    for (let remaining = 2; remaining >= 0; remaining--) {
      const response = await reportLeaked({ tokens: [generateTokenSecret('kw')] }, limited);
      expect(response.status).toBe(202);
      expect(response.headers.get('ratelimit-limit')).toBe('3');
      expect(response.headers.get('ratelimit-remaining')).toBe(String(remaining));
      await response.arrayBuffer();
    }
    await expectRateLimited(await reportLeaked({ tokens: [token.secret] }, limited), {
      limit: 3,
      windowSeconds: 60,
      scope: 'ip',
      source: 'revoke-leaked',
    });
    expect(await revokedAt(token.id, limited)).toBeNull();
    expect((await whoami(token, limited)).status).toBe(200);
  });
});

describe('secrets', () => {
  it('revoke-leaked: no response in this file and no server log line echoed a submitted secret', () => {
    expect(secrets.length).toBeGreaterThan(10);
    expect(responseTexts.length).toBeGreaterThan(10);
    const everything = [...responseTexts, ...server.logs].join('\n');
    for (const secret of secrets) expect(everything).not.toContain(secret);
    expect(responseTexts.join('\n')).not.toMatch(/kw_[0-9A-Za-z]{20,}/);
  });
});
