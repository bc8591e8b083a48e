import { randomUUID } from 'node:crypto';
import { decodeJwt, decodeProtectedHeader, type JWTPayload, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SigningKey, signingKeyFrom } from '../../server/src/sessions/signing-keys.js';
import { type SeededAccount, startTestServer, type TestServer } from '../helpers/harness.js';
import { jsonRequest } from '../helpers/rest.js';

const CURRENT = signingKeyFrom('current-secret-of-at-least-32-bytes!!');
const PREVIOUS = signingKeyFrom('previous-secret-of-at-least-32-bytes!');

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({
    KEYWARD_SECRET: 'current-secret-of-at-least-32-bytes!!',
    KEYWARD_SECRET_PREVIOUS: 'previous-secret-of-at-least-32-bytes!',
  });
});
afterAll(() => server.close());

async function login(account: SeededAccount): Promise<{ accessToken: string; refreshToken: string }> {
  const response = await server.rest(
    '/api/v1/auth/login',
    jsonRequest('POST', { email: account.email, password: account.password }),
  );
  expect(response.status).toBe(200);
  return ((await response.json()) as { data: { accessToken: string; refreshToken: string } }).data;
}

/** 404 not_found once authenticated (an unknown id), else the credential's 401 code. */
async function verdict(accessToken: string): Promise<string> {
  const response = await server.rest(`/api/v1/api-tokens/${randomUUID()}`, {
    method: 'DELETE',
    headers: { authorization: `Bearer ${accessToken}` },
  });
  return ((await response.json()) as { error: string }).error;
}

interface Forge {
  claims?: Record<string, unknown>;
  omit?: readonly string[];
  key?: SigningKey;
  kid?: string | null;
}

/** A token like `like`, signed with a real key: only what `forge` changes differs. */
function forge(like: string, forgeSpec: Forge = {}): Promise<string> {
  const original = decodeJwt(like) as JWTPayload;
  const key = forgeSpec.key ?? CURRENT;
  const payload: Record<string, unknown> = { ...original, ...forgeSpec.claims };
  for (const name of forgeSpec.omit ?? []) delete payload[name];
  const kid = forgeSpec.kid === undefined ? key.kid : forgeSpec.kid;
  return new SignJWT(payload)
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT', ...(kid === null ? {} : { kid }) })
    .sign(key.key);
}

describe('access-token signing key', () => {
  it('comes from KEYWARD_SECRET: login signs with it and names its kid; the database holds no key', async () => {
    const { accessToken } = await login(await server.seedAccount());
    expect(decodeProtectedHeader(accessToken)).toMatchObject({ alg: 'HS256', kid: CURRENT.kid });
    expect(await verdict(await forge(accessToken))).toBe('not_found');
    expect(await server.sql("select name from server_secret where name = 'access-token-key'")).toEqual([]);
  });

  it('a token of the previous key (KEYWARD_SECRET_PREVIOUS, by its kid) verifies until it expires; an unknown or missing kid does not', async () => {
    const { accessToken } = await login(await server.seedAccount());
    expect(await verdict(await forge(accessToken, { key: PREVIOUS }))).toBe('not_found');
    // The previous key under the current kid, or no kid at all, is not a key choice the server makes.
    expect(await verdict(await forge(accessToken, { key: PREVIOUS, kid: CURRENT.kid }))).toBe(
      'invalid_token',
    );
    expect(await verdict(await forge(accessToken, { kid: null }))).toBe('invalid_token');
    expect(await verdict(await forge(accessToken, { kid: 'unknown-kid' }))).toBe('invalid_token');
    const now = Math.floor(Date.now() / 1000);
    expect(
      await verdict(
        await forge(accessToken, { key: PREVIOUS, claims: { iat: now - 7200, exp: now - 3600 } }),
      ),
    ).toBe('token_expired');
  });
});

describe('access-token claims', () => {
  it.each(['exp', 'iat', 'sub', 'fam'])('a token without %s is 401 invalid_token', async (claim) => {
    const { accessToken } = await login(await server.seedAccount());
    expect(await verdict(await forge(accessToken, { omit: [claim] }))).toBe('invalid_token');
  });

  it('a token issued more than an hour ago is 401 token_expired, whatever its exp says', async () => {
    const { accessToken } = await login(await server.seedAccount());
    const now = Math.floor(Date.now() / 1000);
    const forged = await forge(accessToken, { claims: { iat: now - 3700, exp: now + 10 * 365 * 86_400 } });
    expect(await verdict(forged)).toBe('token_expired');
  });

  it('ids that are not UUIDs are 401 invalid_token, not a database error', async () => {
    const { accessToken } = await login(await server.seedAccount());
    expect(await verdict(await forge(accessToken, { claims: { sub: "x'; --" } }))).toBe('invalid_token');
    expect(await verdict(await forge(accessToken, { claims: { fam: 'not-a-uuid' } }))).toBe('invalid_token');
  });

  it('the family must exist, belong to the subject and hold a live refresh token', async () => {
    const account = await server.seedAccount();
    const other = await server.seedAccount();
    const { accessToken } = await login(account);
    expect(await verdict(await forge(accessToken, { claims: { fam: randomUUID() } }))).toBe('invalid_token');
    const otherFamily = decodeJwt((await login(other)).accessToken).fam;
    expect(await verdict(await forge(accessToken, { claims: { fam: otherFamily } }))).toBe('invalid_token');
    expect(await verdict(accessToken)).toBe('not_found');
    await server.sql(
      "update refresh_token set expires_at = now() - interval '1 second' where family_id = $1",
      [decodeJwt(accessToken).fam],
    );
    expect(await verdict(accessToken)).toBe('invalid_token');
  });
});
