import { mkdirSync } from 'node:fs';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedToken } from '../helpers/auth-matrix.js';
import { type SeededAccount, startTestServer, type TestServer } from '../helpers/harness.js';
import { type App, launchBrowser, logInThroughUi, openApp, screenshot } from './browser.js';

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
    app = await openApp(browser, server);
    page = app.page;
    await page.goto('/login');
    await logInThroughUi(page, account.email, account.password);
    await page.getByRole('heading', { level: 1, name: 'Tokens' }).waitFor();
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
});
