import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SeededAccount, startTestServer, type TestServer } from '../helpers/harness.js';
import { type App, expectFocused, launchBrowser, openLoggedIn, screenshot, whoami } from './browser.js';

/** The page scrolls no wider than its viewport. */
async function expectNoSidewaysScroll(page: Page): Promise<void> {
  const width = page.viewportSize()?.width ?? 0;
  expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(width);
}

type Created = { id: string; secret: string };

/** `YYYY-MM-DD` of the local day `days` from today, as a date input holds it. */
function localDay(days: number): string {
  const date = new Date(Date.now() + days * 24 * 3600 * 1000);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

/**
 * The site admins' token inventory: only admins get the page (and its link), its filters live in
 * the URL (owner, organization, status, last used before, expires before, preset, out of policy),
 * and Revoke asks first, then revokes with the admin as the audited actor.
 */
describe('admin token inventory', () => {
  let server: TestServer;
  let browser: Browser;
  let siteAdmin: SeededAccount;
  let ann: SeededAccount;
  let bob: SeededAccount;
  let adminApp: App;
  let page: Page;
  const tokens: Record<string, Created> = {};

  const table = (): Locator => page.getByRole('table', { name: 'Every token on the server' });
  /** The token names listed, top to bottom. */
  const listed = (): Promise<string[]> => table().locator('tbody td.cell-name strong').allTextContents();
  const expectListed = async (names: string[]): Promise<void> => {
    await expect.poll(async () => (await listed()).sort()).toEqual([...names].sort());
  };

  const gqlAs = async <T>(cookie: string, query: string, variables: Record<string, unknown> = {}) => {
    const answer = await server.gql<T>(query, variables, { cookie });
    if (answer.body.errors) throw new Error(JSON.stringify(answer.body.errors));
    return answer.body.data as T;
  };

  const createToken = async (cookie: string, input: Record<string, unknown>): Promise<Created> => {
    const data = await gqlAs<{ createToken: { secret: string; token: { id: string } } }>(
      cookie,
      'mutation($input: CreateTokenInput!) { createToken(input: $input) { secret token { id } } }',
      { input },
    );
    return { id: data.createToken.token.id, secret: data.createToken.secret };
  };

  /** Fills the filter form from scratch and applies it. */
  const applyFilters = async (values: {
    owner?: string;
    org?: string;
    status?: string;
    preset?: string;
    lastUsedBefore?: string;
    expiresBefore?: string;
    outOfPolicy?: boolean;
  }): Promise<void> => {
    const filters = page.getByRole('search', { name: 'Filter tokens' });
    await filters.getByLabel('Owner email').fill(values.owner ?? '');
    await filters.getByLabel('Organization slug').fill(values.org ?? '');
    await filters.getByLabel('Status').selectOption(values.status ?? '');
    await filters.getByLabel('Preset').selectOption(values.preset ?? '');
    await filters.getByLabel('Last used before').fill(values.lastUsedBefore ?? '');
    await filters.getByLabel('Expires before').fill(values.expiresBefore ?? '');
    await filters.getByLabel('Out of policy only').setChecked(values.outOfPolicy ?? false);
    await filters.getByRole('button', { name: 'Apply filters' }).click();
  };

  beforeAll(async () => {
    server = await startTestServer();
    siteAdmin = await server.seedAccount({ name: 'Site Admin', email: 'root@example.com', role: 'admin' });
    ann = await server.seedAccount({ name: 'Ann Owner', email: 'ann@example.com', plan: 'team' });
    bob = await server.seedAccount({ name: 'Bob Builder', email: 'bob@example.com' });
    const annCookie = await server.login(ann.email, ann.password);
    const bobCookie = await server.login(bob.email, bob.password);
    const organization = await gqlAs<{ createOrganization: { id: string } }>(
      annCookie,
      'mutation { createOrganization(input: { name: "Acme Labs", slug: "acme-labs" }) { id } }',
    );
    const organizationId = organization.createOrganization.id;
    tokens.annAll = await createToken(annCookie, { name: 'ann-everything', preset: 'ALL' });
    tokens.annCli = await createToken(annCookie, { name: 'ann-cli', preset: 'CLI', expiresInDays: 60 });
    tokens.bobSoon = await createToken(bobCookie, {
      name: 'bob-soon',
      preset: 'READ_ONLY',
      expiresInDays: 7,
    });
    tokens.bobGone = await createToken(bobCookie, {
      name: 'bob-gone',
      preset: 'READ_ONLY',
      expiresInDays: 30,
    });
    tokens.orgCi = await createToken(annCookie, { name: 'acme-ci', preset: 'ALL', organizationId });
    await gqlAs(bobCookie, 'mutation($id: ID!) { revokeToken(id: $id) { id } }', { id: tokens.bobGone.id });
    // The organization's policy, set after acme-ci was made: acme-ci (no expiry) breaks it.
    await gqlAs(
      annCookie,
      'mutation($input: SetOrganizationPolicyInput!) { setOrganizationPolicy(input: $input) { id } }',
      { input: { organizationId, requireExpiry: true } },
    );
    // ann-cli was last used 20 days ago, bob-soon yesterday; the others never.
    await server.sql("update api_token set last_used_at = now() - interval '20 days' where id = $1", [
      tokens.annCli.id,
    ]);
    await server.sql("update api_token set last_used_at = now() - interval '1 day' where id = $1", [
      tokens.bobSoon.id,
    ]);
    browser = await launchBrowser();
    adminApp = await openLoggedIn(browser, server, siteAdmin);
    page = adminApp.page;
  });

  afterAll(async () => {
    await adminApp?.context.close();
    await browser?.close();
    await server?.close();
  });

  it('is offered to site admins only', async () => {
    const member = await openLoggedIn(browser, server, bob);
    try {
      const nav = member.page.getByRole('navigation', { name: 'Main' });
      await nav.getByRole('link', { name: 'Account' }).waitFor();
      expect(await nav.getByRole('link', { name: 'Admin' }).count()).toBe(0);
      await member.page.goto('/admin/tokens');
      await member.page.getByText('Only site admins see every token on the server.').waitFor();
      expect(await member.page.getByRole('table').count()).toBe(0);
    } finally {
      await member.context.close();
    }

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Admin' }).click();
    await page.waitForURL('**/admin/tokens');
    await page.getByRole('heading', { level: 1, name: 'Token inventory' }).waitFor();
    await expectListed(['ann-everything', 'ann-cli', 'bob-soon', 'bob-gone', 'acme-ci']);
    const orgRow = table().getByRole('row').filter({ hasText: 'acme-ci' });
    expect(await orgRow.textContent()).toContain('Organization token');
    expect(await orgRow.getByRole('list', { name: 'Out of policy' }).textContent()).toContain('No expiry');
    const annRow = table().getByRole('row').filter({ hasText: 'ann-everything' });
    expect(await annRow.textContent()).toContain('ann@example.com');
  });

  it('filters by owner, organization, status, preset, dates and policy, kept in the URL', async () => {
    await applyFilters({ owner: ann.email });
    await page.waitForURL((url) => url.searchParams.get('owner') === ann.email);
    await expectListed(['ann-everything', 'ann-cli']);

    await applyFilters({ org: 'acme-labs' });
    await page.waitForURL(
      (url) => url.searchParams.get('org') === 'acme-labs' && !url.searchParams.has('owner'),
    );
    await expectListed(['acme-ci']);

    await applyFilters({ status: 'revoked' });
    await page.waitForURL((url) => url.searchParams.get('status') === 'revoked');
    await expectListed(['bob-gone']);

    await applyFilters({ preset: 'cli' });
    await page.waitForURL((url) => url.searchParams.get('preset') === 'cli');
    await expectListed(['ann-cli']);

    // Expiring before 10 days from now: bob-soon (7 days); bob-gone is revoked but expires later.
    await applyFilters({ expiresBefore: localDay(10) });
    await page.waitForURL((url) => url.searchParams.get('expiresBefore') === localDay(10));
    await expectListed(['bob-soon']);

    // Last used before 5 days ago: ann-cli (20 days ago), not bob-soon (yesterday).
    await applyFilters({ lastUsedBefore: localDay(-5) });
    await page.waitForURL((url) => url.searchParams.get('lastUsedBefore') === localDay(-5));
    await expect.poll(listed).toContain('ann-cli');
    expect(await listed()).not.toContain('bob-soon');

    await applyFilters({ outOfPolicy: true });
    await page.waitForURL((url) => url.searchParams.get('outOfPolicy') === '1');
    await expect.poll(listed).toContain('acme-ci');
    expect(await listed()).not.toContain('bob-soon');

    // Two at once, then a reload: the form and the list come back from the URL.
    await applyFilters({ owner: bob.email, status: 'active' });
    await page.waitForURL(
      (url) => url.searchParams.get('owner') === bob.email && url.searchParams.get('status') === 'active',
    );
    await expectListed(['bob-soon']);
    await page.reload();
    await expectListed(['bob-soon']);
    const filters = page.getByRole('search', { name: 'Filter tokens' });
    expect(await filters.getByLabel('Owner email').inputValue()).toBe(bob.email);
    expect(await filters.getByLabel('Status').inputValue()).toBe('active');

    for (const colorScheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme });
      await page.setViewportSize({ width: 1280, height: 900 });
      await page.goto('/admin/tokens');
      await expectListed(['ann-everything', 'ann-cli', 'bob-soon', 'bob-gone', 'acme-ci']);
      await screenshot(page, `admin-tokens-desktop-${colorScheme}`);
      await page.setViewportSize({ width: 390, height: 844 });
      await expectNoSidewaysScroll(page);
      await screenshot(page, `admin-tokens-390-${colorScheme}`);
    }
    await page.emulateMedia({ colorScheme: 'light' });
    await page.setViewportSize({ width: 1280, height: 800 });

    await page.goto(`/admin/tokens?owner=${encodeURIComponent(ann.email)}`);
    await page.getByRole('button', { name: 'Clear filters' }).click();
    await page.waitForURL((url) => url.search === '');
    await expectListed(['ann-everything', 'ann-cli', 'bob-soon', 'bob-gone', 'acme-ci']);
  });

  it('revokes any token after asking, audited with the admin as the actor', async () => {
    expect((await whoami(server, tokens.annAll?.secret ?? '')).status).toBe(200);
    await page.getByRole('button', { name: 'Revoke ann-everything' }).click();
    const dialog = page.getByRole('dialog', { name: 'Revoke token “ann-everything”?' });
    expect(await dialog.textContent()).toContain('Ann Owner (ann@example.com)');
    await expectFocused(dialog.getByRole('button', { name: 'Cancel' }));
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    expect((await whoami(server, tokens.annAll?.secret ?? '')).status).toBe(200);

    await page.getByRole('button', { name: 'Revoke ann-everything' }).click();
    await dialog.getByRole('button', { name: 'Revoke token' }).click();
    await page.getByRole('status').filter({ hasText: 'Revoked “ann-everything”' }).waitFor();
    expect((await whoami(server, tokens.annAll?.secret ?? '')).status).toBe(401);
    const row = table().getByRole('row').filter({ hasText: 'ann-everything' });
    await expect.poll(() => row.getByText('Revoked').count()).toBeGreaterThan(0);
    expect(await page.getByRole('button', { name: 'Revoke ann-everything' }).count()).toBe(0);
    const [audit] = await server.sql<{ actor_type: string; actor_id: string | null }>(
      "select actor_type, actor_id from audit_event where action = 'token.revoke' and target_id = $1",
      [tokens.annAll?.id],
    );
    expect(audit).toEqual({ actor_type: 'account', actor_id: siteAdmin.account.id });
    expect(adminApp.problems).toEqual([]);
  });
});
