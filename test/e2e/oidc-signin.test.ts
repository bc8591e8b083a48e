import { randomBytes } from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/harness.js';
import { startOidcProvider, type TestOidcProvider } from '../helpers/oidc-provider.js';
import { type App, expectReadable, launchBrowser, openApp } from './browser.js';

const LABEL = 'Test ID';

/**
 * Sign-in with OpenID Connect in the browser: the login page's "Sign in with …" link, the real
 * provider's own login and consent pages (oidc-provider on 127.0.0.1), and the way back into the
 * app, logged in; and the login page's message for each way a sign-in can fail.
 */
describe('sign-in with OpenID Connect in the browser', () => {
  let provider: TestOidcProvider;
  let server: TestServer;
  let browser: Browser;
  const apps: App[] = [];

  beforeAll(async () => {
    provider = await startOidcProvider({ pages: 'provider' });
    server = await startTestServer({
      KEYWARD_SECRET: randomBytes(32).toString('base64url'),
      KEYWARD_OIDC_ISSUER: provider.issuer,
      KEYWARD_OIDC_CLIENT_ID: provider.clientId,
      KEYWARD_OIDC_CLIENT_SECRET: provider.clientSecret,
      KEYWARD_OIDC_LABEL: LABEL,
    });
    provider.start(`${server.url}/api/auth/oidc/callback`);
    browser = await launchBrowser();
  });

  afterAll(async () => {
    for (const app of apps) await app.context.close();
    await browser?.close();
    await server?.close();
    await provider?.close();
  });

  /** A fresh browser (no Keyward or provider cookies); the provider pages' web font is not fetched (no internet). */
  async function freshPage(target: TestServer = server): Promise<Page> {
    const app = await openApp(browser, target);
    apps.push(app);
    await app.context.route('https://fonts.googleapis.com/**', (route) => route.abort());
    return app.page;
  }

  /** Fills the provider's own login page, then its consent page. */
  async function signInAtProvider(page: Page, sub: string): Promise<void> {
    await page.waitForURL(
      (url) => url.origin === provider.issuer && url.pathname.startsWith('/interaction/'),
    );
    await page.locator('input[name="login"]').fill(sub);
    await page.locator('input[name="password"]').fill('any password: the provider does not check it');
    await page.getByRole('button', { name: 'Sign-in' }).click();
    const consent = page.getByRole('button', { name: 'Continue' });
    await consent.waitFor();
    await consent.click();
  }

  it('offers no OpenID Connect link when the server is not configured for it', async () => {
    const plain = await startTestServer();
    try {
      const page = await freshPage(plain);
      await page.goto('/login');
      await page.getByRole('heading', { level: 1, name: 'Log in to Keyward' }).waitFor();
      await page.getByRole('button', { name: 'Log in' }).waitFor();
      // The options query has answered (the page settles), and there is no link.
      await page.waitForLoadState('networkidle');
      expect(await page.getByRole('link', { name: /Sign in with/ }).count()).toBe(0);
    } finally {
      await plain.close();
    }
  });

  it('signs in through the provider’s login and consent pages and lands on the page asked for, logged in', async () => {
    const { account, email } = await server.seedAccount({ name: 'Ada Lovelace', verified: true });
    const sub = `sub-${randomBytes(4).toString('hex')}`;
    provider.signInAs({ sub, email, email_verified: true });
    const page = await freshPage();

    await page.goto('/audit');
    await page.waitForURL((url) => url.pathname === '/login' && url.searchParams.get('next') === '/audit');
    const link = page.getByRole('link', { name: `Sign in with ${LABEL}` });
    expect(await link.getAttribute('href')).toBe('/api/auth/oidc/start?next=%2Faudit');
    await link.click();

    await signInAtProvider(page, sub);
    await page.waitForURL((url) => url.origin === server.url && url.pathname === '/audit');
    await page.getByRole('heading', { level: 1, name: 'Audit log' }).waitFor();
    expect(
      await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Log out' }).count(),
    ).toBe(1);
    const login = page.getByRole('table', { name: 'Audit events, newest first' }).getByRole('row', {
      name: /session\.login/,
    });
    expect(await login.first().textContent()).toContain('OpenID Connect');
    const [session] = await server.sql<{ n: number }>(
      'select count(*)::int as n from session where account_id = $1',
      [account.id],
    );
    expect(session?.n).toBe(1);
  });

  it('comes back with a clear message when the provider’s address has no account', async () => {
    const sub = `sub-${randomBytes(4).toString('hex')}`;
    provider.signInAs({ sub, email: `nobody-${sub}@example.com`, email_verified: true });
    const page = await freshPage();
    await page.goto('/login');
    await page.getByRole('link', { name: `Sign in with ${LABEL}` }).click();
    await signInAtProvider(page, sub);
    await page.waitForURL((url) => url.origin === server.url && url.pathname === '/login');
    expect(new URL(page.url()).searchParams.get('error')).toBe('oidc_no_account');
    const alert = page.getByRole('alert');
    await expect
      .poll(() => alert.textContent())
      .toBe(
        `No Keyward account has the email address ${LABEL} gave. Create an account with that address first, then sign in with ${LABEL}.`,
      );
    expect(await page.getByRole('navigation', { name: 'Main' }).count()).toBe(0);
  });

  it('says the sign-in did not complete when the state coming back is not the one sent', async () => {
    const page = await freshPage();
    await page.goto('/login?next=%2Ftokens');
    await page.getByRole('link', { name: `Sign in with ${LABEL}` }).click();
    // At the provider, with the sign-in under way: come back with another state instead.
    await page.waitForURL((url) => url.origin === provider.issuer);
    await page.goto(`${server.url}/api/auth/oidc/callback?code=forged&state=${'x'.repeat(43)}`);
    await page.waitForURL((url) => url.pathname === '/login');
    const url = new URL(page.url());
    expect(url.searchParams.get('error')).toBe('oidc_failed');
    expect(url.searchParams.get('next')).toBe('/tokens');
    const alert = page.getByRole('alert');
    await expect
      .poll(() => alert.textContent())
      .toBe(`Signing in with ${LABEL} did not complete: it expired or was interrupted. Please try again.`);
    // The link still leads back to where the visitor was going.
    expect(await page.getByRole('link', { name: `Sign in with ${LABEL}` }).getAttribute('href')).toBe(
      '/api/auth/oidc/start?next=%2Ftokens',
    );
  });

  it('explains every reason the server can send back, and drops the message once the form is used', async () => {
    const page = await freshPage();
    const reasons: Record<string, RegExp> = {
      oidc_failed: /did not complete/,
      oidc_denied: /You declined the sign-in at Test ID/,
      oidc_unavailable: /Test ID can't be reached right now/,
      oidc_email_unverified: /Test ID did not confirm that your email address is verified/,
      oidc_no_account: /No Keyward account has the email address Test ID gave/,
      oidc_account_unverified: /Your Keyward account's email address is not verified yet/,
    };
    for (const [reason, message] of Object.entries(reasons)) {
      await page.goto(`/login?error=${reason}`);
      const alert = page.getByRole('alert');
      await expect.poll(() => alert.textContent()).toMatch(message);
      expectReadable(await alert.textContent());
    }
    await page.getByRole('button', { name: 'Log in' }).click();
    await expect.poll(() => page.getByText(/Your Keyward account's email address/).count()).toBe(0);
  });
});
