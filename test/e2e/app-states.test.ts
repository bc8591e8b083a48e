import type { Browser, Page, Route } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SeededAccount, startTestServer, type TestServer } from '../helpers/harness.js';
import {
  type App,
  expectFocused,
  fieldError,
  launchBrowser,
  logInThroughUi,
  newCredentials,
  openApp,
  registerThroughUi,
  screenshot,
  verificationLink,
} from './browser.js';

/** The name of the GraphQL operation a browser request carries, or null. */
function operationOf(route: Route): string | null {
  const match = /^\s*(?:query|mutation)\s+(\w+)/.exec(
    (JSON.parse(route.request().postData() ?? '{}') as { query?: string }).query ?? '',
  );
  return match?.[1] ?? null;
}

/**
 * The admin app's states around the pages: the skeleton shell of the first load, the retry banner
 * when the server cannot be reached (not the login page), local validation of an empty login form,
 * the verified-email notices, dark mode, the phone-width header and the help links.
 */
describe('admin app states and look', () => {
  let server: TestServer;
  let browser: Browser;
  let account: SeededAccount;
  const apps: App[] = [];

  beforeAll(async () => {
    server = await startTestServer();
    account = await server.seedAccount({ name: 'Barbara Liskov', verified: true });
    browser = await launchBrowser();
  });

  afterAll(async () => {
    for (const app of apps) await app.context.close();
    await browser?.close();
    await server?.close();
  });

  async function freshPage(): Promise<Page> {
    const app = await openApp(browser, server);
    apps.push(app);
    return app.page;
  }

  it('shows the shell with a skeleton while the first viewer query is in flight, not a blank Loading…', async () => {
    const page = await freshPage();
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    await page.route('**/graphql', async (route) => {
      if (operationOf(route) === 'Viewer') await held;
      await route.fallback();
    });

    await page.goto('/tokens');
    await page.getByRole('banner').getByRole('link', { name: 'Keyward' }).waitFor();
    const main = page.getByRole('main');
    await main.getByRole('status').waitFor();
    expect(await main.getByRole('status').textContent()).toBe('Loading Keyward…');
    expect(await main.getAttribute('aria-busy')).toBe('true');
    expect(await page.locator('main .skeleton').count()).toBeGreaterThan(2);
    expect(await page.locator('header .skeleton').count()).toBeGreaterThan(0);
    expect(await page.getByText('Loading…', { exact: true }).count()).toBe(0);
    await screenshot(page, 'skeleton-shell');

    release();
    await page.getByRole('heading', { level: 1, name: 'Log in to Keyward' }).waitFor();
    expect(await page.locator('.skeleton').count()).toBe(0);
  });

  it('shows a retry banner, not the login page, when /graphql cannot be reached, and recovers on Retry', async () => {
    const page = await freshPage();
    await page.goto('/login');
    await logInThroughUi(page, account.email, account.password);
    await page.getByRole('heading', { level: 1, name: 'Tokens' }).waitFor();

    // The network fails outright: the signed-in user is not sent to the login page.
    await page.route('**/graphql', (route) => route.abort('connectionrefused'));
    await page.reload();
    const banner = page.getByRole('region', { name: "Can't reach Keyward." });
    await banner.waitFor();
    expect(await banner.getByRole('alert').textContent()).toContain("Can't reach Keyward.");
    expect(await page.getByRole('heading', { name: 'Log in to Keyward' }).count()).toBe(0);
    expect(new URL(page.url()).pathname).toBe('/tokens');
    await screenshot(page, 'unreachable-banner');

    // Still down, now behind a proxy answering 502 with its own HTML page: Retry keeps the banner.
    await page.unroute('**/graphql');
    await page.route('**/graphql', (route) =>
      route.fulfill({ status: 502, contentType: 'text/html', body: '<h1>502 Bad Gateway</h1>' }),
    );
    await banner.getByRole('button', { name: 'Retry' }).click();
    await expect
      .poll(() => banner.getByRole('button', { name: 'Retry' }).getAttribute('aria-busy'))
      .toBeNull();
    expect(await banner.isVisible()).toBe(true);
    expect(await page.getByRole('heading', { name: 'Log in to Keyward' }).count()).toBe(0);

    // Back up: Retry brings the page the user was on, still signed in.
    await page.unroute('**/graphql');
    await banner.getByRole('button', { name: 'Retry' }).click();
    await page.getByRole('heading', { level: 1, name: 'Tokens' }).waitFor();
    await banner.waitFor({ state: 'detached' });
    expect(await page.getByRole('navigation', { name: 'Main' }).isVisible()).toBe(true);
  });

  it('also shows the banner for a 503 on a page query after the app has loaded', async () => {
    const page = await freshPage();
    await page.goto('/login');
    await logInThroughUi(page, account.email, account.password);
    await page.getByRole('heading', { level: 1, name: 'Tokens' }).waitFor();

    await page.route('**/graphql', (route) =>
      operationOf(route) === 'AuditEvents'
        ? route.fulfill({ status: 503, contentType: 'text/plain', body: 'Service Unavailable' })
        : route.fallback(),
    );
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Audit' }).click();
    const banner = page.getByRole('region', { name: "Can't reach Keyward." });
    await banner.waitFor();
    await page.unroute('**/graphql');
    await banner.getByRole('button', { name: 'Retry' }).click();
    await page.getByRole('table', { name: 'Audit events, newest first' }).waitFor();
    await banner.waitFor({ state: 'detached' });
  });

  it('validates an empty login form locally: no request is sent, so no login attempt is spent', async () => {
    const page = await freshPage();
    const logins: string[] = [];
    await page.route('**/graphql', (route) => {
      if (operationOf(route) === 'Login') logins.push(route.request().postData() ?? '');
      return route.fallback();
    });
    await page.goto('/login');
    await page.getByRole('heading', { level: 1, name: 'Log in to Keyward' }).waitFor();
    const email = page.getByLabel('Email', { exact: true });
    const password = page.getByLabel('Password', { exact: true });

    await page.getByRole('button', { name: 'Log in' }).click();
    expect(await fieldError(email)).toBe('Enter your email address.');
    expect(await fieldError(password)).toBe('Enter your password.');
    await expectFocused(email);
    await screenshot(page, 'login-empty');

    await email.fill(account.email);
    await page.getByRole('button', { name: 'Log in' }).click();
    expect(await fieldError(password)).toBe('Enter your password.');
    await expectFocused(password);
    expect(await email.getAttribute('aria-invalid')).toBeNull();
    expect(logins).toEqual([]);

    await logInThroughUi(page, account.email, account.password);
    await page.getByRole('heading', { level: 1, name: 'Tokens' }).waitFor();
    expect(logins).toHaveLength(1);
  });

  it('tells an unverified user in the New token form, before they fill it, that tokens need a verified email', async () => {
    const page = await freshPage();
    const user = newCredentials('Frances Allen');
    await registerThroughUi(page, user);
    await page.getByRole('button', { name: 'New token' }).click();
    const dialog = page.getByRole('dialog', { name: 'New token', exact: true });
    await dialog.waitFor();
    const notice = dialog.getByText('Tokens need a verified email address');
    await notice.waitFor();
    expect(await dialog.getByLabel('Name', { exact: true }).inputValue()).toBe('');
    // The notice comes before the first field.
    const noticeBox = await notice.boundingBox();
    const nameBox = await dialog.getByLabel('Name', { exact: true }).boundingBox();
    expect(noticeBox && nameBox && noticeBox.y < nameBox.y).toBe(true);
    await screenshot(page, 'new-token-unverified');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });

    // Verified, the notice is gone; opening the mailed link again says the email is already verified.
    const link = await verificationLink(server, user.email);
    await page.goto(link);
    await page.getByText('Your email address is verified.').waitFor();
    await page.goto(link);
    await page.getByText('Your email is already verified').waitFor();
    expect(await page.getByRole('alert').count()).toBe(0);
    await page.getByRole('link', { name: 'Go to your tokens' }).click();
    await page.getByRole('button', { name: 'New token' }).click();
    await dialog.waitFor();
    expect(await dialog.getByText('Tokens need a verified email address').count()).toBe(0);
    // A new account is on the Free plan: the form says what its tokens may do.
    await dialog.getByText('On the Free plan, API tokens can only read').waitFor();
  });

  it('follows prefers-color-scheme: dark', async () => {
    const page = await freshPage();
    const colours = () =>
      page.evaluate(
        '[getComputedStyle(document.documentElement).backgroundColor, getComputedStyle(document.querySelector(".auth-card")).backgroundColor, getComputedStyle(document.body).color]',
      ) as Promise<string[]>;
    await page.emulateMedia({ colorScheme: 'light' });
    await page.goto('/login');
    await page.getByRole('heading', { level: 1, name: 'Log in to Keyward' }).waitFor();
    const light = await colours();
    await page.emulateMedia({ colorScheme: 'dark' });
    const dark = await colours();
    expect(dark[0]).not.toBe(light[0]);
    expect(dark[1]).not.toBe(light[1]);
    expect(dark[2]).not.toBe(light[2]);
    // Dark means dark: the page background is darker than its text.
    const lightness = (rgb: string | undefined) =>
      (rgb?.match(/\d+/g) ?? []).slice(0, 3).reduce((sum, value) => sum + Number(value), 0);
    expect(lightness(dark[0])).toBeLessThan(lightness(dark[2]));
    await screenshot(page, 'login-dark');
  });

  it('keeps the header tidy at 390 px: the navigation on one line, no sideways scrolling', async () => {
    const page = await freshPage();
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto('/login');
    await logInThroughUi(page, account.email, account.password);
    await page.getByRole('heading', { level: 1, name: 'Tokens' }).waitFor();
    const nav = page.getByRole('navigation', { name: 'Main' });
    const items = [
      nav.getByRole('link', { name: 'Tokens' }),
      nav.getByRole('link', { name: 'Audit' }),
      nav.getByRole('link', { name: 'Account' }),
      nav.getByRole('button', { name: 'Log out' }),
    ];
    const boxes = await Promise.all(items.map((item) => item.boundingBox()));
    const middles = boxes.map((box) => (box ? Math.round(box.y + box.height / 2) : -1));
    for (const middle of middles) expect(Math.abs(middle - (middles[0] ?? 0))).toBeLessThanOrEqual(2);
    for (const box of boxes) expect(box && box.x + box.width).toBeLessThanOrEqual(390);
    expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    await screenshot(page, 'header-390');
  });

  it('links the API help: the OpenAPI description and, on this development server, GraphiQL', async () => {
    const page = await freshPage();
    await page.goto('/login');
    const help = page.getByRole('navigation', { name: 'Help' });
    await help.getByRole('link', { name: 'GraphQL explorer (GraphiQL)' }).waitFor();
    expect(await help.getByRole('link', { name: 'GraphQL explorer (GraphiQL)' }).getAttribute('href')).toBe(
      '/graphql',
    );
    const openapi = help.getByRole('link', { name: 'REST reference (OpenAPI)' });
    expect(await openapi.getAttribute('href')).toBe('/api/openapi.json');
    expect(await help.textContent()).toContain('README.md');
  });

  it('keeps the old URLs: a trailing slash, a deep token link and an unknown path', async () => {
    const page = await freshPage();
    await page.goto('/login/');
    await page.getByRole('heading', { level: 1, name: 'Log in to Keyward' }).waitFor();
    await page.goto('/tokens/some-id');
    await page.waitForURL((url) => url.pathname === '/login' && url.search === '?next=%2Ftokens%2Fsome-id');
    await logInThroughUi(page, account.email, account.password);
    await page.waitForURL('**/tokens/some-id');
    await page.getByRole('heading', { level: 1, name: 'Token not available' }).waitFor();
    await page.goto('/no/such/page');
    await page.getByRole('heading', { level: 1, name: 'Page not found' }).waitFor();
    await page.goto('/');
    await page.waitForURL('**/tokens');
  });

  it('logged no console errors or warnings in the contexts that had a working server', () => {
    // The outage contexts log the refused requests themselves; the others must stay clean.
    const clean = apps.filter((_, index) => index !== 1 && index !== 2);
    expect(clean.flatMap((app) => app.problems)).toEqual([]);
  });
});
