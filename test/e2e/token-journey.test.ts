import { readFile } from 'node:fs/promises';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/harness.js';
import {
  type App,
  expectFocused,
  launchBrowser,
  logInThroughUi,
  newCredentials,
  openApp,
  registerThroughUi,
  screenshot,
  verificationLink,
  whoami,
} from './browser.js';

/**
 * The admin app's main journey in one browser context, step by step: register, verify, create a
 * CUSTOM token, reveal/copy/download it once, switch it off and on, delete it, read the audit log,
 * log out and back in. Every step checks the API's view with the real secret.
 */
describe('token journey in the admin app', () => {
  let server: TestServer;
  let browser: Browser;
  let app: App;
  let page: Page;
  const user = newCredentials('Ada Lovelace');
  const tokenName = 'CI deploys';
  const tokenDescription = 'Deploys the docs site from CI';
  let secret = '';
  let tokenId = '';

  const tokenRow = (): Locator => page.getByRole('row').filter({ hasText: tokenName });
  const activeSwitch = (): Locator => tokenRow().getByRole('switch', { name: 'Active' });

  beforeAll(async () => {
    server = await startTestServer();
    browser = await launchBrowser();
    app = await openApp(browser, server);
    page = app.page;
  });

  afterAll(async () => {
    await app?.context.close();
    await browser?.close();
    await server?.close();
  });

  it('registers through the register page and lands on the tokens page, unverified', async () => {
    await page.goto('/register');
    await page.getByRole('heading', { level: 1, name: 'Create your Keyward account' }).waitFor();
    await screenshot(page, 'register');

    await registerThroughUi(page, user);
    await page.getByRole('heading', { level: 1, name: 'Tokens' }).waitFor();
    const banner = page.getByRole('region', { name: 'Email verification' });
    await banner.waitFor();
    expect(await banner.textContent()).toContain(user.email);
    expect(await banner.getByRole('button', { name: 'Resend verification email' }).isEnabled()).toBe(true);
  });

  it('verifies the email through the mailed link', async () => {
    await page.goto(await verificationLink(server, user.email));
    await page.getByText('Your email address is verified.').waitFor();
    await page.getByRole('region', { name: 'Email verification' }).waitFor({ state: 'detached' });
    await page.getByRole('link', { name: 'Go to your tokens' }).click();
    await page.waitForURL('**/tokens');
    await page.getByRole('heading', { name: 'You have no tokens yet' }).waitFor();
  });

  it('creates a CUSTOM token through the New token dialog', async () => {
    await page.getByRole('button', { name: 'New token' }).click();
    const dialog = page.getByRole('dialog', { name: 'New token', exact: true });
    await dialog.waitFor();

    // Defaults: 30 days; never expires stays a choice, and a date one year ahead is ready in case
    // the user picks one.
    expect(await dialog.getByRole('radio', { name: '30 days', exact: true }).isChecked()).toBe(true);
    expect(await dialog.getByRole('radio', { name: 'Never expires', exact: true }).isChecked()).toBe(false);
    const yearAhead = new Date();
    yearAhead.setFullYear(yearAhead.getFullYear() + 1);
    expect(await dialog.getByLabel('Expiration date and time').inputValue()).toBe(
      `${yearAhead.getFullYear()}-${String(yearAhead.getMonth() + 1).padStart(2, '0')}-${String(yearAhead.getDate()).padStart(2, '0')}T23:59`,
    );

    await dialog.getByLabel('Name', { exact: true }).fill(tokenName);
    await dialog.getByLabel('Description', { exact: true }).fill(tokenDescription);
    await screenshot(page, 'new-token-dialog');
    await dialog.getByRole('radio', { name: 'Custom', exact: true }).check();
    // The resource box selects all of that resource's actions; an action box adds just one.
    await dialog.getByRole('checkbox', { name: 'account', exact: true }).check();
    expect(await dialog.getByRole('checkbox', { name: 'account:read', exact: true }).isChecked()).toBe(true);
    expect(await dialog.getByRole('checkbox', { name: 'account:update', exact: true }).isChecked()).toBe(
      true,
    );
    await dialog.getByRole('checkbox', { name: 'tokens:read', exact: true }).check();
    const preview = dialog.getByRole('region', { name: 'What this token can do today' });
    expect((await preview.getByRole('listitem').allTextContents()).sort()).toEqual([
      'account:read',
      'account:update',
      'tokens:read',
    ]);
    await screenshot(page, 'new-token-dialog-custom');

    await dialog.getByRole('button', { name: 'Create token' }).click();
    await dialog.waitFor({ state: 'detached' });
  });

  it('reveals the secret once, with Copy and Download, and closes only once confirmed', async () => {
    const dialog = page.getByRole('dialog', { name: 'Copy your new token' });
    await dialog.waitFor();
    secret = await dialog.getByLabel('Token secret').inputValue();
    expect(secret.length).toBeGreaterThan(20);
    await screenshot(page, 'reveal-dialog');

    await dialog.getByRole('button', { name: 'Copy', exact: true }).click();
    await dialog.getByText('Copied to the clipboard.').waitFor();
    expect(await page.evaluate('navigator.clipboard.readText()')).toBe(secret);

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      dialog.getByRole('button', { name: 'Download', exact: true }).click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/\.txt$/);
    expect((await readFile(await download.path(), 'utf8')).trim()).toBe(secret);

    const close = dialog.getByRole('button', { name: 'Close', exact: true });
    expect(await close.isDisabled()).toBe(true);
    // Escape does not get around the confirmation either.
    await page.keyboard.press('Escape');
    expect(await dialog.isVisible()).toBe(true);

    await dialog.getByRole('checkbox', { name: 'I have copied my token to a safe place' }).check();
    expect(await close.isEnabled()).toBe(true);
    await close.click();
    await dialog.waitFor({ state: 'detached' });

    // The secret is gone from the page: no element, attribute or form value holds it any more.
    const html = (await page.evaluate('document.documentElement.outerHTML')) as string;
    const values = (await page.evaluate(
      "Array.from(document.querySelectorAll('input, textarea'), (element) => element.value).join('\\n')",
    )) as string;
    expect(html).not.toContain(secret);
    expect(values).not.toContain(secret);
  });

  it('lists the token with its prefix, status and an Active switch; the secret works', async () => {
    const row = tokenRow();
    await row.waitFor();
    const rowText = (await row.textContent()) ?? '';
    expect(rowText).toContain(tokenDescription);
    expect(rowText).toContain('Active');
    expect(rowText).toContain('Never used');
    const prefix = ((await row.locator('code').textContent()) ?? '').replace('…', '');
    expect(prefix.length).toBeGreaterThan(3);
    expect(secret.startsWith(prefix)).toBe(true);
    expect(await activeSwitch().getAttribute('aria-checked')).toBe('true');
    const href = await row.getByRole('link', { name: tokenName }).getAttribute('href');
    tokenId = decodeURIComponent(href?.replace(/^\/tokens\//, '') ?? '');
    expect(tokenId).not.toBe('');
    await screenshot(page, 'tokens-list');

    const answer = await whoami(server, secret);
    expect(answer.status).toBe(200);
    expect(answer.body.account?.email).toBe(user.email.toLowerCase());
    expect(answer.body.token?.id).toBe(tokenId);
    expect(answer.body.token?.name).toBe(tokenName);
    // A new account is on the free plan, whose API tokens only read: whoami shows the plan's cap
    // (the token's own grant, on its detail page below, keeps account:update).
    expect(answer.body.token?.permissions).toEqual(['account:read', 'tokens:read']);
  });

  it('switches the token off and on from the table, taking effect on the next request', async () => {
    await activeSwitch().click();
    await expect.poll(() => activeSwitch().getAttribute('aria-checked')).toBe('false');
    await expect.poll(() => activeSwitch().getAttribute('aria-busy')).toBeNull();
    expect(await tokenRow().textContent()).toContain('Inactive');
    const off = await whoami(server, secret);
    expect(off.status).toBe(401);
    expect(off.body.error).toBe('token_inactive');

    await activeSwitch().click();
    await expect.poll(() => activeSwitch().getAttribute('aria-checked')).toBe('true');
    await expect.poll(() => activeSwitch().getAttribute('aria-busy')).toBeNull();
    expect(await tokenRow().textContent()).not.toContain('Inactive');
    const on = await whoami(server, secret);
    expect(on.status).toBe(200);
  });

  it('shows the token detail page and deletes the token after a confirmation naming it', async () => {
    await tokenRow().getByRole('link', { name: tokenName }).click();
    await page.waitForURL(`**/tokens/${encodeURIComponent(tokenId)}`);
    await page.getByRole('heading', { level: 1, name: tokenName }).waitFor();
    // One status control: the list's Active switch.
    const status = page.getByRole('region', { name: 'Status' });
    expect(await status.getByRole('switch', { name: 'Active' }).getAttribute('aria-checked')).toBe('true');
    const permissions = page.getByRole('region', { name: 'Permissions' });
    // Each listed permission names itself in code, beside how much it was used.
    expect((await permissions.getByRole('listitem').locator('code').allTextContents()).sort()).toEqual([
      'account:read',
      'account:update',
      'tokens:read',
    ]);
    expect(await permissions.textContent()).toContain("Permissions and expiry can't be changed");
    // The usage chart (requests per day) is there; usage is flushed in batches, so no count is checked.
    await page.getByRole('img', { name: /Requests per day, last 30 days/ }).waitFor();
    const history = page.getByRole('region', { name: 'History' });
    await history.getByText('Token activated').waitFor();
    await screenshot(page, 'token-detail');

    await page.getByRole('button', { name: 'Delete token' }).click();
    const confirm = page.getByRole('dialog', { name: `Delete token “${tokenName}”?` });
    await confirm.waitFor();
    // Cancel has focus first, so an accidental Enter backs out instead of deleting.
    await expectFocused(confirm.getByRole('button', { name: 'Cancel' }));
    await page.keyboard.press('Enter');
    await confirm.waitFor({ state: 'detached' });
    expect((await whoami(server, secret)).status).toBe(200);

    await page.getByRole('button', { name: 'Delete token' }).click();
    await confirm.waitFor();
    await confirm.getByRole('button', { name: 'Delete token' }).click();
    await confirm.waitFor({ state: 'detached' });
    await page.getByText(`The token “${tokenName}” has been deleted`).waitFor();
    await page.locator('.page-head').getByText('Revoked', { exact: true }).waitFor();
    expect(await page.getByRole('button', { name: 'Delete token' }).count()).toBe(0);

    const revoked = await whoami(server, secret);
    expect(revoked.status).toBe(401);
    expect(revoked.body.error).toBe('token_revoked');
  });

  it('shows the create, deactivate, activate and revoke events on the Audit page', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Audit' }).click();
    await page.waitForURL('**/audit');
    await page.getByRole('heading', { level: 1, name: 'Audit log' }).waitFor();
    const table = page.getByRole('table', { name: 'Audit events, newest first' });
    await table.waitFor();
    const events = await table.getByRole('row').allTextContents();
    const expected = [
      ['Token revoked', 'token.revoke'],
      ['Token activated', 'token.activate'],
      ['Token deactivated', 'token.deactivate'],
      ['Token created', 'token.create'],
    ];
    for (const [label, action] of expected) {
      const row = events.find((text) => text.includes(`${action}`) && text.includes(`${label}`));
      expect(row, `an audit row for ${action}`).toBeDefined();
      expect(row).toContain('You');
    }
    // Newest first.
    const order = expected.map(([, action]) => events.findIndex((text) => text.includes(`${action}`)));
    expect(order).toEqual([...order].sort((a, b) => a - b));
    await screenshot(page, 'audit');
  });

  it('logs out and logs back in through the login page', async () => {
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.waitForURL('**/login');
    await page.getByRole('heading', { level: 1, name: 'Log in to Keyward' }).waitFor();
    expect(await page.getByRole('navigation', { name: 'Main' }).count()).toBe(0);
    await screenshot(page, 'login');

    await logInThroughUi(page, user.email, user.password);
    await page.waitForURL('**/tokens');
    // Revoked tokens are hidden until asked for.
    await page.getByText('No tokens match these statuses.').waitFor();
    await page.getByRole('checkbox', { name: 'Revoked', exact: true }).check();
    await page.waitForURL('**/tokens?status=active,pending,inactive,revoked');
    const row = tokenRow();
    await row.waitFor();
    expect(await row.textContent()).toContain('Revoked');
    expect(await activeSwitch().isDisabled()).toBe(true);
  });

  it('logged no console errors or warnings and no uncaught errors along the way', () => {
    expect(app.problems).toEqual([]);
  });
});
