import { mkdirSync } from 'node:fs';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedToken } from '../helpers/auth-matrix.js';
import { type SeededAccount, startTestServer, type TestServer } from '../helpers/harness.js';
import { type App, expectFocused, fieldError, launchBrowser, openLoggedIn, screenshot } from './browser.js';

/** Screenshots for reading by eye (usage and audit at 390 px and desktop, light and dark); outside the repo. */
const SCREENS = process.env.KEYWARD_SCREENS_DIR;

async function keepScreen(page: Page, name: string, part?: Locator): Promise<void> {
  await screenshot(page, name);
  if (!SCREENS) return;
  mkdirSync(SCREENS, { recursive: true });
  const path = `${SCREENS}/${name}.png`;
  await (part ? part.screenshot({ path }) : page.screenshot({ path, fullPage: true }));
}

/** The page scrolls no wider than its viewport. */
async function expectNoSidewaysScroll(page: Page): Promise<void> {
  const width = page.viewportSize()?.width ?? 0;
  expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(width);
}

/**
 * The token's usage view (ranges, totals and the outcome breakdown from real requests), the audit
 * page (target names, filters by action and token kept in the URL, account events), and the account
 * settings page (name, password, sessions). One browser context for the file, steps in order.
 */
describe('usage, audit and account settings', () => {
  let server: TestServer;
  let browser: Browser;
  let app: App;
  let page: Page;
  let account: SeededAccount;
  let busy: { id: string; secret: string };
  let narrow: { id: string; secret: string };
  let otherSession = '';

  beforeAll(async () => {
    server = await startTestServer();
    account = await server.seedAccount({ name: 'Frances Allen', verified: true });
    busy = await seedToken(server, account.account, {
      name: 'Deploy bot',
      preset: 'ALL',
      rateLimitPerMinute: 3,
    });
    narrow = await seedToken(server, account.account, {
      name: 'Reader',
      preset: 'CUSTOM',
      permissions: ['account:read'],
    });
    browser = await launchBrowser();
    app = await openLoggedIn(browser, server, account);
    page = app.page;
  });

  afterAll(async () => {
    await app?.context.close();
    await browser?.close();
    await server?.close();
  });

  /** One request with a token, answered or refused: its status. */
  async function use(secret: string, path: string): Promise<number> {
    const response = await fetch(`${server.url}${path}`, { headers: { authorization: `Bearer ${secret}` } });
    await response.arrayBuffer();
    return response.status;
  }

  /** A past day's counts, as the usage recorder would have written them then. */
  async function pastUsage(
    tokenId: string,
    daysAgo: number,
    allowed: number,
    denied: number,
    limited: number,
  ) {
    await server.sql(
      `insert into token_usage_day (token_id, day, count, denied, rate_limited)
       values ($1, (now() at time zone 'utc')::date - $2::int, $3, $4, $5)`,
      [tokenId, daysAgo, allowed, denied, limited],
    );
  }

  const totals = (region: ReturnType<Page['getByRole']>) =>
    Promise.all(
      ['Total requests', 'Allowed', 'Denied', 'Rate-limited'].map(async (label) =>
        (await region.locator('.usage-total', { hasText: label }).locator('dd').textContent())?.trim(),
      ),
    );

  it('shows today’s real uses by outcome, and 7, 30 and 90-day ranges kept in the URL', async () => {
    // Today: 3 allowed and 2 refused by the limit of 3 per minute (Deploy bot); 1 allowed and 2
    // denied for a permission it lacks (Reader, account:read only).
    const statuses = [];
    for (let i = 0; i < 5; i++) statuses.push(await use(busy.secret, '/api/cli/whoami'));
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
    expect(await use(narrow.secret, '/api/cli/whoami')).toBe(200);
    expect(await use(narrow.secret, '/api/cli/button')).toBe(403);
    expect(await use(narrow.secret, '/api/cli/button')).toBe(403);
    await server.keyward.services.usage.flush();
    // Earlier days: 20 days ago is inside 30 and 90 days, 60 days ago only inside 90.
    await pastUsage(busy.id, 20, 10, 1, 4);
    await pastUsage(busy.id, 60, 100, 0, 0);

    await page.goto(`/tokens/${busy.id}`);
    const usage = page.getByRole('region', { name: 'Usage' });
    await usage.getByRole('img', { name: /Requests per day, last 30 days/ }).waitFor();
    expect(await usage.getByRole('button', { name: '30 days' }).getAttribute('aria-pressed')).toBe('true');
    expect(await totals(usage)).toEqual(['20', '13', '1', '6']);

    await usage.getByRole('button', { name: '7 days' }).click();
    await page.waitForURL((url) => url.searchParams.get('days') === '7');
    await usage.getByRole('img', { name: /Requests per day, last 7 days/ }).waitFor();
    expect(await totals(usage)).toEqual(['5', '3', '0', '2']);

    await usage.getByRole('button', { name: '90 days' }).click();
    await page.waitForURL((url) => url.searchParams.get('days') === '90');
    await usage.getByRole('img', { name: /Requests per day, last 90 days/ }).waitFor();
    expect(await totals(usage)).toEqual(['120', '113', '1', '6']);

    // The range survives a reload, and the numbers are there as a table too.
    await page.reload();
    await usage.getByRole('img', { name: /last 90 days/ }).waitFor();
    await usage.getByText('Numbers per day').click();
    const table = usage.getByRole('table', { name: /Requests per day, last 90 days/ });
    expect(await table.getByRole('row').count()).toBe(91);
    const today = table.getByRole('row').nth(1);
    expect((await today.getByRole('cell').allTextContents()).map((text) => text.trim())).toEqual([
      '3',
      '0',
      '2',
      '5',
    ]);
    await usage.getByRole('button', { name: '30 days' }).click();
    await page.waitForURL((url) => !url.searchParams.has('days'));

    // The permission refusals of the other token count as denied.
    await page.goto(`/tokens/${narrow.id}?days=7`);
    await usage.getByRole('img', { name: /last 7 days/ }).waitFor();
    expect(await totals(usage)).toEqual(['3', '1', '2', '0']);
  });

  it('keeps the usage view readable at 390 px, light and dark, with no sideways scrolling', async () => {
    await page.goto(`/tokens/${busy.id}`);
    const usage = page.getByRole('region', { name: 'Usage' });
    await usage.getByRole('img', { name: /last 30 days/ }).waitFor();
    await usage.getByText('Numbers per day').click();
    for (const colorScheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme });
      await page.setViewportSize({ width: 1280, height: 900 });
      await usage.scrollIntoViewIfNeeded();
      await keepScreen(page, `usage-desktop-${colorScheme}`, usage);
      await page.setViewportSize({ width: 390, height: 844 });
      await expectNoSidewaysScroll(page);
      // The table of numbers fits too: nothing to scroll inside it either.
      const wrap = "document.querySelector('.usage-numbers .table-wrap')";
      expect(await page.evaluate(`${wrap}.scrollWidth - ${wrap}.clientWidth`)).toBe(0);
      // Labels stay at a legible size however narrow the chart is.
      const fontSize = await page.evaluate(
        "getComputedStyle(document.querySelector('.usage-x span')).fontSize",
      );
      expect(Number.parseFloat(String(fontSize))).toBeGreaterThanOrEqual(12);
      await keepScreen(page, `usage-390-${colorScheme}`, usage);
    }
    await page.emulateMedia({ colorScheme: 'light' });
    await page.setViewportSize({ width: 1280, height: 800 });
  });
  it('names each event’s target and filters by event and token, kept in the URL', async () => {
    // From another session: the Reader token is revoked and Deploy bot renamed.
    otherSession = await server.login(account.email, account.password);
    const revoked = await server.gql(
      'mutation($id: ID!) { revokeToken(id: $id) { id } }',
      { id: narrow.id },
      {
        cookie: otherSession,
        headers: { 'x-keyward-csrf': '1' },
      },
    );
    expect(revoked.body.errors).toBeUndefined();

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Audit' }).click();
    const table = page.getByRole('table', { name: 'Audit events, newest first' });
    await table.waitFor();
    const rowOf = (text: string) => table.getByRole('row').filter({ hasText: text });
    // Token names in the Target column, as links to the token; the account's own events say so.
    const revokeRow = rowOf('token.revoke');
    await revokeRow.getByRole('link', { name: 'Reader' }).waitFor();
    expect(await revokeRow.getByRole('link', { name: 'Reader' }).getAttribute('href')).toBe(
      `/tokens/${narrow.id}`,
    );
    await rowOf('token.create').filter({ hasText: 'Deploy bot' }).first().waitFor();
    expect(await rowOf('session.login').first().textContent()).toContain('Your account');
    expect(await rowOf('session.login').first().textContent()).toContain('Logged in');

    const eventFilter = page.getByLabel('Event', { exact: true });
    const tokenFilter = page.getByLabel('Token', { exact: true });
    await eventFilter.selectOption('token.revoke');
    await page.waitForURL((url) => url.searchParams.get('action') === 'token.revoke');
    await expect.poll(() => table.getByRole('row').count()).toBe(2);
    expect(await table.getByRole('row').nth(1).textContent()).toContain('Token revoked');
    await page.getByRole('status').filter({ hasText: 'Showing: Token revoked' }).waitFor();

    await eventFilter.selectOption('token.*');
    await tokenFilter.selectOption({ label: await optionLabel(tokenFilter, 'Deploy bot') });
    await page.waitForURL(
      (url) => url.searchParams.get('action') === 'token.*' && url.searchParams.get('token') === busy.id,
    );
    await expect.poll(() => table.getByRole('row').count()).toBe(2);
    expect(await table.getByRole('row').nth(1).textContent()).toContain('token.create');
    expect(await table.getByRole('row').nth(1).textContent()).toContain('This token');

    // A reload keeps the filters: they live in the URL.
    await page.reload();
    await table.waitFor();
    expect(await eventFilter.inputValue()).toBe('token.*');
    expect(await tokenFilter.inputValue()).toBe(busy.id);
    expect(await table.getByRole('row').count()).toBe(2);

    // The account's events, with readable labels: the logins (both sessions), and nothing about tokens.
    await page.getByRole('button', { name: 'Clear filters' }).click();
    await page.waitForURL((url) => url.search === '');
    await eventFilter.selectOption('session.*');
    await page.waitForURL((url) => url.searchParams.get('action') === 'session.*');
    await expect.poll(() => table.getByRole('row').count()).toBe(3);
    for (const text of await table.getByRole('row').allTextContents()) expect(text).not.toContain('token.');
    expect(await rowOf('Logged in').count()).toBe(2);
  });

  it('shows the audit page at 390 px as cards, light and dark, with no sideways scrolling', async () => {
    await page.goto('/audit');
    const table = page.getByRole('table', { name: 'Audit events, newest first' });
    await table.waitFor();
    for (const colorScheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme });
      await page.setViewportSize({ width: 1280, height: 900 });
      await keepScreen(page, `audit-desktop-${colorScheme}`);
      await page.setViewportSize({ width: 390, height: 844 });
      await expectNoSidewaysScroll(page);
      const wrap = "document.querySelector('.audit-events .table-wrap')";
      expect(await page.evaluate(`${wrap}.scrollWidth - ${wrap}.clientWidth`)).toBe(0);
      // Still a table to assistive technology, each cell under its column's name.
      expect(await table.getByRole('row').count()).toBeGreaterThan(3);
      expect(await table.getByRole('columnheader', { name: 'Target' }).count()).toBe(1);
      await keepScreen(page, `audit-390-${colorScheme}`);
    }
    await page.emulateMedia({ colorScheme: 'light' });
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  it('renames the account from the settings page reached from the header', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Account' }).click();
    await page.getByRole('heading', { level: 1, name: 'Account' }).waitFor();
    const name = page.getByLabel('Name', { exact: true });
    expect(await name.inputValue()).toBe('Frances Allen');

    await name.fill('   ');
    await page.getByRole('button', { name: 'Save name' }).click();
    expect(await fieldError(name)).toBe('Enter your name.');
    await expectFocused(name);

    await name.fill('Fran Allen');
    await page.getByRole('button', { name: 'Save name' }).click();
    await page.getByRole('status').filter({ hasText: 'Your name has been saved' }).waitFor();
    const viewer = await server.gql<{ viewer: { name: string } }>(
      '{ viewer { name } }',
      {},
      { cookie: otherSession },
    );
    expect(viewer.body.data?.viewer.name).toBe('Fran Allen');
  });

  it('marks this browser’s session, which cannot be ended here, and ends another one', async () => {
    const sessions = page.getByRole('region', { name: 'Where you are logged in' });
    const table = sessions.getByRole('table');
    await table.waitFor();
    const rows = table.getByRole('row');
    await expect.poll(() => rows.count()).toBe(3);
    // This browser first, marked, without an End button; the other session has one.
    expect(await rows.nth(1).textContent()).toContain('This browser');
    expect(await rows.nth(1).getByRole('button').count()).toBe(0);
    const end = sessions.getByRole('button', { name: 'End session' });
    expect(await end.count()).toBe(1);
    await end.click();
    await sessions.getByRole('status').filter({ hasText: 'it is logged out' }).waitFor();
    await expect.poll(() => rows.count()).toBe(2);
    // The other session is over: its cookie no longer signs anyone in.
    const after = await server.gql('{ viewer { id } }', {}, { cookie: otherSession });
    expect(after.status).toBe(401);
  });

  it('refuses a wrong current password next to its field, then changes the password', async () => {
    otherSession = await server.login(account.email, account.password);
    const current = page.getByLabel('Current password', { exact: true });
    const next = page.getByLabel('New password', { exact: true });
    await current.fill('not my password');
    await next.fill('a brand new passphrase');
    await page.getByRole('button', { name: 'Change password' }).click();
    expect(await fieldError(current)).toBe('The current password is incorrect.');
    await expectFocused(current);
    expect(await page.getByRole('status').filter({ hasText: 'password has been changed' }).count()).toBe(0);

    await current.fill(account.password);
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.getByRole('status').filter({ hasText: 'Your password has been changed' }).waitFor();
    expect(await current.inputValue()).toBe('');
    expect(await current.getAttribute('aria-invalid')).toBeNull();
    // The other session ended with the change, this one goes on; the new password is the one now.
    expect((await server.gql('{ viewer { id } }', {}, { cookie: otherSession })).status).toBe(401);
    await server.login(account.email, 'a brand new passphrase');
    await page.reload();
    await page.getByRole('heading', { level: 1, name: 'Account' }).waitFor();
    expect(app.problems).toEqual([]);
  });
});

/** The full text of the option of `select` whose text contains `text`. */
async function optionLabel(select: Locator, text: string): Promise<string> {
  const label = await select.locator('option', { hasText: text }).first().textContent();
  if (!label) throw new Error(`no option with ${text}`);
  return label;
}
