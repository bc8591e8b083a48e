/**
 * Sign-in with OpenID Connect against a real provider (oidc-provider) on 127.0.0.1: the browser's
 * trip through /api/auth/oidc/start, the provider and /api/auth/oidc/callback, and every check on
 * the way back (state, nonce, PKCE, verified email, single use).
 */
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deriveKey, seal } from '../../server/src/crypto.js';
import { startTestServer, type TestServer } from '../helpers/harness.js';
import {
  Browser,
  type ProviderIdentity,
  startOidcProvider,
  type TestOidcProvider,
} from '../helpers/oidc-provider.js';
import { expectRestError, jsonRequest } from '../helpers/rest.js';

const START = '/api/auth/oidc/start';
const CALLBACK = '/api/auth/oidc/callback';
const VIEWER = '{ viewer { id email } }';
const SECRET = 'oidc-login test secret, 32 bytes or more';
const SEALING_PURPOSE = 'keyward oidc sign-in transaction v1';

let provider: TestOidcProvider;
let server: TestServer;

beforeAll(async () => {
  provider = await startOidcProvider();
  server = await startTestServer({
    KEYWARD_SECRET: SECRET,
    KEYWARD_OIDC_ISSUER: provider.issuer,
    KEYWARD_OIDC_CLIENT_ID: provider.clientId,
    KEYWARD_OIDC_CLIENT_SECRET: provider.clientSecret,
  });
  provider.start(`${server.url}${CALLBACK}`);
});
afterAll(async () => {
  await server?.close();
  await provider?.close();
});

const isCallback = (url: URL) => url.pathname === CALLBACK;

/** Opens the start route in `browser`: the provider's authorization URL it redirects to. */
async function start(browser: Browser, next?: string): Promise<URL> {
  const query = next === undefined ? '' : `?next=${encodeURIComponent(next)}`;
  const response = await browser.get(`${server.url}${START}${query}`);
  await response.arrayBuffer();
  expect(response.status).toBe(302);
  const location = new URL(response.headers.get('location') ?? '');
  expect(location.origin).toBe(provider.issuer);
  return location;
}

/** Signs in at the provider as `identity`, starting from `authorizationUrl`: the callback URL, not yet visited. */
async function atProvider(browser: Browser, authorizationUrl: URL, identity: ProviderIdentity): Promise<URL> {
  provider.signInAs(identity);
  return browser.followUntil(authorizationUrl.href, isCallback);
}

/**
 * Visits the callback: where Keyward sends the browser next, the session cookie it set, if any,
 * and, for a refusal, the cause the server logged (so each test proves which check refused).
 */
async function callback(
  browser: Browser,
  url: URL,
): Promise<{ status: number; location: string; cookie: string | null; body: string; cause: string | null }> {
  const response = await browser.get(url.href);
  const session = browser.cookie(server.url, 'keyward_session');
  const requestId = response.headers.get('x-request-id');
  const refusal = server.logs
    .map((line) => JSON.parse(line) as { requestId?: string; msg?: string; detail?: string })
    .find((entry) => entry.requestId === requestId && entry.msg === 'oidc sign-in refused');
  return {
    status: response.status,
    location: response.headers.get('location') ?? '',
    cookie: session ? `keyward_session=${session}` : null,
    body: await response.text(),
    cause: refusal?.detail ?? null,
  };
}

/** The whole trip for `identity`, nothing tampered with. */
async function signIn(identity: ProviderIdentity, next?: string) {
  const browser = new Browser();
  const url = await atProvider(browser, await start(browser, next), identity);
  return { browser, callbackUrl: url, ...(await callback(browser, url)) };
}

function identityOf(email: string, verified = true): ProviderIdentity {
  return { sub: `sub-${randomBytes(4).toString('hex')}`, email, email_verified: verified };
}

async function sessionCount(accountId: string): Promise<number> {
  const [row] = await server.sql<{ n: number }>(
    'select count(*)::int as n from session where account_id = $1',
    [accountId],
  );
  return row?.n ?? 0;
}

function pkceChallenge(verifier: string): string {
  return createHash('sha256').update(verifier).digest('base64url');
}

describe('sign-in with OpenID Connect: the happy path', () => {
  it('start: redirects to the provider with the code flow, PKCE S256, a state and a nonce, and keeps them in a sealed HttpOnly SameSite=Lax cookie', async () => {
    const browser = new Browser();
    const response = await browser.get(`${server.url}${START}`);
    expect(response.status).toBe(302);
    const url = new URL(response.headers.get('location') ?? '');
    expect(`${url.origin}${url.pathname}`).toBe(`${provider.issuer}/auth`);
    const params = Object.fromEntries(url.searchParams);
    expect(params).toMatchObject({
      client_id: provider.clientId,
      response_type: 'code',
      scope: 'openid email',
      redirect_uri: `${server.url}${CALLBACK}`,
      code_challenge_method: 'S256',
    });
    for (const name of ['state', 'nonce', 'code_challenge'])
      expect(params[name]?.length).toBeGreaterThanOrEqual(43);
    const [setCookie] = response.headers.getSetCookie();
    expect(setCookie).toMatch(/^keyward_oidc=[A-Za-z0-9_-]+; Max-Age=600; Path=\/; HttpOnly; SameSite=Lax$/);
    // Sealed: neither the state nor the nonce can be read from it.
    const sealed = browser.cookie(server.url, 'keyward_oidc') ?? '';
    const opened = Buffer.from(sealed, 'base64url').toString('latin1');
    expect(opened).not.toContain(params.state);
    expect(opened).not.toContain(params.nonce);
    expect(response.headers.get('referrer-policy')).toBe('no-referrer');
  });

  it('callback: a verified email of an existing account starts a web session (viewer works with the cookie), clears the transaction and is audited as session.login oidc', async () => {
    const { account, email } = await server.seedAccount();
    const result = await signIn(identityOf(email.toUpperCase()));
    expect(result.status).toBe(302);
    expect(result.location).toBe('/');
    expect(result.body).toBe('');
    expect(result.cookie).not.toBeNull();
    expect(result.browser.cookie(server.url, 'keyward_oidc')).toBeUndefined();

    const viewer = await server.gql(VIEWER, {}, { cookie: result.cookie! });
    expect(viewer.body).toEqual({ data: { viewer: { id: account.id, email } } });
    const audit = await server.sql(
      "select actor_type, actor_id, target_id, detail from audit_event where action = 'session.login' and account_id = $1",
      [account.id],
    );
    expect(audit).toEqual([
      { actor_type: 'account', actor_id: account.id, target_id: account.id, detail: 'oidc' },
    ]);
  });

  it('callback: sends the browser back to the app path given to start as next; any other next (another site, //host) becomes /', async () => {
    const { email } = await server.seedAccount();
    expect((await signIn(identityOf(email), '/tokens/abc?x=1')).location).toBe('/tokens/abc?x=1');
    expect((await signIn(identityOf(email), 'https://evil.example/')).location).toBe('/');
    expect((await signIn(identityOf(email), '//evil.example/')).location).toBe('/');
  });

  it('signInOptions: names the provider and the start route to anyone', async () => {
    const response = await server.gql('{ signInOptions { oidc { label startUrl } } }');
    expect(response.body).toEqual({
      data: { signInOptions: { oidc: { label: '127.0.0.1', startUrl: START } } },
    });
  });
});

describe('sign-in with OpenID Connect: refusals end on the login page, with no session', () => {
  it('a changed state is refused (oidc_failed)', async () => {
    const { account, email } = await server.seedAccount();
    const browser = new Browser();
    const url = await atProvider(browser, await start(browser), identityOf(email));
    url.searchParams.set('state', randomBytes(32).toString('base64url'));
    const result = await callback(browser, url);
    expect(result).toMatchObject({ status: 302, location: '/login?error=oidc_failed', cookie: null });
    expect(result.cause).toMatch(/^state does not match/);
    expect(await sessionCount(account.id)).toBe(0);
  });

  it.each<[string, string, string, string]>([
    // The same state and PKCE challenge, but another nonce: only the nonce check can refuse it.
    ['an ID token whose nonce is not this attempt’s', 'nonce', 'OAUTH_JWT_CLAIM_COMPARISON_FAILED', ''],
    // The provider refuses the code: the verifier sent does not match the challenge.
    [
      'a code issued for another PKCE challenge (this attempt’s verifier cannot redeem it)',
      'code_challenge',
      'OAUTH_RESPONSE_BODY_ERROR: invalid_grant',
      'pkce',
    ],
  ])('%s is refused (oidc_failed), everything else being right', async (_case, parameter, cause, kind) => {
    const { account, email } = await server.seedAccount();
    const browser = new Browser();
    const authorization = await start(browser);
    const other = randomBytes(32).toString('base64url');
    authorization.searchParams.set(parameter, kind === 'pkce' ? pkceChallenge(other) : other);
    const result = await callback(browser, await atProvider(browser, authorization, identityOf(email)));
    expect(result).toMatchObject({ status: 302, location: '/login?error=oidc_failed', cookie: null, cause });
    expect(await sessionCount(account.id)).toBe(0);
  });

  it.each<[string, (sealed: string) => string | null]>([
    // No state, nonce or PKCE verifier to check the provider's answer against.
    ['a callback without the transaction cookie', () => null],
    [
      'a transaction cookie changed by one character',
      (sealed) => `${sealed.slice(0, 20)}${sealed[20] === 'A' ? 'B' : 'A'}${sealed.slice(21)}`,
    ],
  ])('%s is refused (oidc_failed)', async (_case, change) => {
    const { account, email } = await server.seedAccount();
    const browser = new Browser();
    const url = await atProvider(browser, await start(browser), identityOf(email));
    browser.setCookie(server.url, 'keyward_oidc', change(browser.cookie(server.url, 'keyward_oidc') ?? ''));
    expect(await callback(browser, url)).toMatchObject({
      status: 302,
      location: '/login?error=oidc_failed',
      cookie: null,
      cause: 'no sign-in under way in this browser',
    });
    expect(await sessionCount(account.id)).toBe(0);
  });

  it('a transaction sealed by this server is honoured until it expires (ten minutes), then refused (oidc_failed)', async () => {
    const { account, email } = await server.seedAccount();
    /** A sign-in begun by the test itself: its own state, nonce and verifier, sealed as the server would. */
    const attempt = async (secret: string, expiresAt: number) => {
      const browser = new Browser();
      const authorization = await start(browser);
      const transaction = {
        state: randomBytes(32).toString('base64url'),
        nonce: randomBytes(32).toString('base64url'),
        codeVerifier: randomBytes(32).toString('base64url'),
        redirectUri: `${server.url}${CALLBACK}`,
        next: '/',
        expiresAt,
      };
      authorization.searchParams.set('state', transaction.state);
      authorization.searchParams.set('nonce', transaction.nonce);
      authorization.searchParams.set('code_challenge', pkceChallenge(transaction.codeVerifier));
      const url = await atProvider(browser, authorization, identityOf(email));
      browser.setCookie(
        server.url,
        'keyward_oidc',
        seal(deriveKey(secret, SEALING_PURPOSE), JSON.stringify(transaction)),
      );
      return callback(browser, url);
    };
    expect(await attempt(SECRET, Date.now() + 60_000)).toMatchObject({ location: '/', cause: null });
    expect(await sessionCount(account.id)).toBe(1);
    expect(await attempt(SECRET, Date.now() - 1)).toMatchObject({
      location: '/login?error=oidc_failed',
      cookie: null,
      cause: 'no sign-in under way in this browser',
    });
    expect(await attempt('another deployment’s secret, 32 bytes long', Date.now() + 60_000)).toMatchObject({
      location: '/login?error=oidc_failed',
      cause: 'no sign-in under way in this browser',
    });
    expect(await sessionCount(account.id)).toBe(1);
  });

  it('a replayed callback (same URL, same transaction cookie) is refused and starts no second session', async () => {
    const { account, email } = await server.seedAccount();
    const browser = new Browser();
    const url = await atProvider(browser, await start(browser), identityOf(email));
    const sealed = browser.cookie(server.url, 'keyward_oidc') ?? '';
    const first = await callback(browser, url);
    expect(first).toMatchObject({ status: 302, location: '/' });
    expect(await sessionCount(account.id)).toBe(1);

    const replay = new Browser();
    replay.setCookie(server.url, 'keyward_oidc', sealed);
    const again = await callback(replay, url);
    expect(again).toMatchObject({ status: 302, location: '/login?error=oidc_failed', cookie: null });
    // The provider redeems a code once.
    expect(again.cause).toBe('OAUTH_RESPONSE_BODY_ERROR: invalid_grant');
    expect(await sessionCount(account.id)).toBe(1);
  });

  it.each<[string, (email: string) => ProviderIdentity]>([
    ['email_verified false', (email) => identityOf(email, false)],
    ['no email_verified claim', (email) => ({ sub: 'no-claim', email })],
    ['no email at all', () => ({ sub: 'no-email' })],
  ])('a provider identity with %s is refused (oidc_email_unverified)', async (_case, identity) => {
    const { account, email } = await server.seedAccount();
    const result = await signIn(identity(email));
    expect(result).toMatchObject({
      status: 302,
      location: '/login?error=oidc_email_unverified',
      cookie: null,
    });
    expect(await sessionCount(account.id)).toBe(0);
  });

  it('an email no account has is refused (oidc_no_account): no account is created, and admins see the failure', async () => {
    const email = `nobody-${randomBytes(4).toString('hex')}@example.com`;
    const result = await signIn(identityOf(email));
    expect(result).toMatchObject({ status: 302, location: '/login?error=oidc_no_account', cookie: null });
    expect(await server.sql('select id from account where email = $1', [email])).toEqual([]);
    const [failure] = await server.sql(
      "select account_id, detail from audit_event where action = 'session.login_failed' order by created_at desc limit 1",
    );
    expect(failure).toEqual({ account_id: null, detail: 'oidc_unknown_email' });
  });

  it('an account whose own email is not verified with Keyward is not signed in (oidc_account_unverified)', async () => {
    const { account, email } = await server.seedAccount({ verified: false });
    const result = await signIn(identityOf(email));
    expect(result).toMatchObject({ location: '/login?error=oidc_account_unverified', cookie: null });
    expect(await sessionCount(account.id)).toBe(0);
  });

  it('a person who declines at the provider comes back to the login page (oidc_denied), keeping next', async () => {
    const { email } = await server.seedAccount();
    const result = await signIn({ ...identityOf(email), declines: true }, '/audit');
    expect(result).toMatchObject({
      status: 302,
      location: '/login?error=oidc_denied&next=%2Faudit',
      cookie: null,
    });
  });
});

describe('sign-in with OpenID Connect starts a web session and nothing else', () => {
  it('the callback hands out no token, and the OIDC session cannot open a programmatic login or use /api/v1', async () => {
    const { account, email } = await server.seedAccount();
    const result = await signIn(identityOf(email));
    expect(result.cookie).not.toBeNull();
    // The answer is a redirect with an empty body: the session cookie is all the browser gets.
    expect(result.body).toBe('');
    const cookie = result.cookie!;

    // Programmatic login needs the password: the cookie is no credential there.
    await expectRestError(
      await server.rest('/api/v1/auth/login', { ...jsonRequest('POST', {}), cookie }),
      400,
      'validation_failed',
    );
    await expectRestError(
      await server.rest('/api/v1/auth/refresh-token', { ...jsonRequest('POST', {}), cookie }),
      400,
      'validation_failed',
    );
    await expectRestError(
      await server.rest('/api/v1/api-tokens', { ...jsonRequest('POST', { name: 'via oidc' }), cookie }),
      401,
      'missing_token',
    );
    expect(await server.sql('select 1 from refresh_token where account_id = $1', [account.id])).toEqual([]);
    expect(await server.sql('select 1 from api_token where account_id = $1', [account.id])).toEqual([]);
  });
});

describe('sign-in with OpenID Connect when it is not configured, or the provider is down', () => {
  let plain: TestServer;
  let unreachable: TestServer;
  beforeAll(async () => {
    plain = await startTestServer();
    // A port nothing listens on: the provider cannot be discovered.
    const closed = await startOidcProvider();
    await closed.close();
    unreachable = await startTestServer({
      KEYWARD_OIDC_ISSUER: closed.issuer,
      KEYWARD_OIDC_CLIENT_ID: 'x',
      KEYWARD_OIDC_CLIENT_SECRET: 'y',
    });
  });
  afterAll(async () => {
    await plain?.close();
    await unreachable?.close();
  });

  it.each([START, CALLBACK])(
    '%s answers 404 not_found saying sign-in with OpenID Connect is not configured',
    async (path) => {
      const { message } = await expectRestError(
        await plain.rest(path, { redirect: 'manual' }),
        404,
        'not_found',
      );
      expect(message).toBe('Sign-in with OpenID Connect is not configured on this server.');
    },
  );

  it('signInOptions.oidc is null', async () => {
    const response = await plain.gql('{ signInOptions { oidc { label } } }');
    expect(response.body).toEqual({ data: { signInOptions: { oidc: null } } });
  });

  it('start: an unreachable provider sends the browser back to the login page (oidc_unavailable)', async () => {
    const response = await unreachable.rest(START, { redirect: 'manual' });
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe('/login?error=oidc_unavailable');
  });
});
