import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SeededAccount, startTestServer, type TestServer } from '../helpers/harness.js';
import {
  type App,
  expectFocused,
  expectReadable,
  fieldError,
  launchBrowser,
  logInThroughUi,
  newCredentials,
  openApp,
  screenshot,
  tabTo,
  whoami,
} from './browser.js';

/**
 * The admin app beyond the main journey: the login redirect, keyboard-only token creation, the detail
 * page's Active switch, API errors shown as readable text next to their field, and the banner for
 * an unverified email. One browser context for the file, steps in order.
 */
describe('admin app forms, keyboard use and access', () => {
  let server: TestServer;
  let browser: Browser;
  let app: App;
  let page: Page;
  let account: SeededAccount;
  const keyboardToken = 'Keyboard token';
  let keyboardSecret = '';

  beforeAll(async () => {
    server = await startTestServer();
    account = await server.seedAccount({ name: 'Grace Hopper', verified: true });
    browser = await launchBrowser();
    app = await openApp(browser, server);
    page = app.page;
  });

  afterAll(async () => {
    await app?.context.close();
    await browser?.close();
    await server?.close();
  });

  it('sends a logged-out visitor from /tokens to /login?next=%2Ftokens and back after login', async () => {
    await page.goto('/tokens');
    await page.waitForURL((url) => url.pathname === '/login');
    expect(new URL(page.url()).search).toBe('?next=%2Ftokens');
    await page.getByRole('heading', { level: 1, name: 'Log in to Keyward' }).waitFor();

    // A wrong password is a readable message, not a JSON dump, and keeps the visitor on the page.
    await logInThroughUi(page, account.email, 'not the password');
    const alert = page.getByRole('alert');
    await alert.waitFor();
    expectReadable(await alert.textContent());
    expect(await alert.textContent()).toBe('Email or password is incorrect.');

    await logInThroughUi(page, account.email, account.password);
    await page.waitForURL((url) => url.pathname === '/tokens' && url.search === '');
    await page.getByRole('heading', { level: 1, name: 'Tokens' }).waitFor();
    expect(await page.getByRole('region', { name: 'Email verification' }).count()).toBe(0);
  });

  it('creates a token with the keyboard alone', async () => {
    await page.goto('/tokens');
    const newToken = page.getByRole('button', { name: 'New token' });
    await newToken.waitFor();
    await tabTo(page, newToken);
    await page.keyboard.press('Enter');

    const dialog = page.getByRole('dialog', { name: 'New token', exact: true });
    await dialog.waitFor();
    const name = dialog.getByLabel('Name', { exact: true });
    await expectFocused(name);
    await page.keyboard.type(keyboardToken);
    expect(await name.inputValue()).toBe(keyboardToken);
    await tabTo(page, dialog.getByRole('button', { name: 'Create token' }), 60);
    await page.keyboard.press('Enter');
    await dialog.waitFor({ state: 'detached' });

    const reveal = page.getByRole('dialog', { name: 'Copy your new token' });
    await reveal.waitFor();
    keyboardSecret = await reveal.getByLabel('Token secret').inputValue();
    // The secret field has focus first (its text is selected, ready to copy).
    await expectFocused(reveal.getByLabel('Token secret'));
    const confirmed = reveal.getByRole('checkbox', { name: 'I have copied my token to a safe place' });
    await tabTo(page, confirmed);
    await page.keyboard.press('Space');
    expect(await confirmed.isChecked()).toBe(true);
    await tabTo(page, reveal.getByRole('button', { name: 'Close' }));
    await page.keyboard.press('Enter');
    await reveal.waitFor({ state: 'detached' });
    // Focus comes back to the button that started it all.
    await expectFocused(newToken);

    const answer = await whoami(server, keyboardSecret);
    expect(answer.status).toBe(200);
    expect(answer.body.token?.name).toBe(keyboardToken);
  });

  it('deactivates and reactivates a token with the detail page Active switch', async () => {
    await page.getByRole('link', { name: keyboardToken }).click();
    await page.getByRole('heading', { level: 1, name: keyboardToken }).waitFor();
    const status = page.getByRole('region', { name: 'Status' });
    const activeSwitch = status.getByRole('switch', { name: 'Active' });

    await tabTo(page, activeSwitch);
    await page.keyboard.press('Space');
    await expect.poll(() => activeSwitch.getAttribute('aria-checked')).toBe('false');
    await page.locator('.page-head').getByText('Inactive', { exact: true }).waitFor();
    const off = await whoami(server, keyboardSecret);
    expect(off.status).toBe(401);
    expect(off.body.error).toBe('token_inactive');
    await page.getByRole('region', { name: 'History' }).getByText('Token deactivated').waitFor();

    await activeSwitch.click();
    await expect.poll(() => activeSwitch.getAttribute('aria-checked')).toBe('true');
    await page.locator('.page-head').getByText('Active', { exact: true }).waitFor();
    expect((await whoami(server, keyboardSecret)).status).toBe(200);
  });

  it('shows an API validation error (a 101-character name) as readable text next to the field', async () => {
    await page.getByRole('link', { name: 'Back to token list' }).click();
    await page.getByRole('button', { name: 'New token' }).click();
    const dialog = page.getByRole('dialog', { name: 'New token', exact: true });
    await dialog.waitFor();
    const name = dialog.getByLabel('Name', { exact: true });
    // The form caps typing at 100 characters; lift the cap (as an old tab or a script could) so the
    // server's own rule answers.
    const id = await name.getAttribute('id');
    await page.evaluate(`document.getElementById(${JSON.stringify(id)}).removeAttribute('maxlength')`);
    await name.fill('n'.repeat(101));
    expect((await name.inputValue()).length).toBe(101);
    await dialog.getByRole('button', { name: 'Create token' }).click();

    const message = await fieldError(name);
    expectReadable(message);
    expect(message).toBe('Use between 1 and 100 characters.');
    // Focus goes to the field, so its message is read out and scrolled into view in the long dialog.
    await expectFocused(name);
    await screenshot(page, 'new-token-dialog-error');
    // The dialog stays open with the input kept, and nothing was created.
    expect(await dialog.isVisible()).toBe(true);
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'detached' });
    expect(await page.getByRole('row').filter({ hasText: 'nnnnnnnnnn' }).count()).toBe(0);
  });

  it('shows register errors next to the field or at the top, as readable text', async () => {
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.waitForURL('**/login');
    await page.getByRole('link', { name: 'Create one' }).click();
    await page.waitForURL('**/register');

    // Only the server checks the password length.
    const user = newCredentials('Katherine Johnson');
    await page.getByLabel('Name', { exact: true }).fill(user.name);
    await page.getByLabel('Email', { exact: true }).fill(user.email);
    const password = page.getByLabel('Password', { exact: true });
    await password.fill('short');
    await page.getByRole('button', { name: 'Create account' }).click();
    const passwordError = await fieldError(password);
    expectReadable(passwordError);
    expect(passwordError).toMatch(/^Use between 8 and \d+ characters\.$/);
    await expectFocused(password);

    // A taken email is not about one field's format: it is shown at the top of the form.
    await page.getByLabel('Email', { exact: true }).fill(account.email);
    await password.fill(user.password);
    await page.getByRole('button', { name: 'Create account' }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    expectReadable(await alert.textContent());
    expect(await alert.textContent()).toBe('An account with this email already exists.');
    expect(await password.getAttribute('aria-invalid')).toBeNull();
  });

  it('shows the unverified banner after registering, with a working resend button', async () => {
    const user = newCredentials('Katherine Johnson');
    await page.getByLabel('Email', { exact: true }).fill(user.email);
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.waitForURL('**/tokens');

    const banner = page.getByRole('region', { name: 'Email verification' });
    await banner.waitFor();
    expect(await banner.textContent()).toContain(`we sent a link to ${user.email}`);
    await screenshot(page, 'verification-banner');
    const firstMail = await server.lastMail(user.email, 'verify_email');
    expect(firstMail).not.toBeNull();

    await banner.getByRole('button', { name: 'Resend verification email' }).click();
    await banner.getByText(`We sent a new link to ${user.email}.`).waitFor();
    const mails = await server.sql<{ count: string }>(
      "select count(*) from mail_outbox where recipient = $1 and kind = 'verify_email'",
      [user.email.toLowerCase()],
    );
    expect(Number(mails[0]?.count)).toBe(2);

    // Until it is verified, creating a token is refused with a readable message in the dialog.
    await page.getByRole('button', { name: 'New token' }).click();
    const dialog = page.getByRole('dialog', { name: 'New token', exact: true });
    await dialog.waitFor();
    await dialog.getByLabel('Name', { exact: true }).fill('Too early');
    await dialog.getByRole('button', { name: 'Create token' }).click();
    const alert = dialog.getByRole('alert');
    await alert.waitFor();
    expectReadable(await alert.textContent());
    expect(await alert.textContent()).toContain('Verify your email address');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
  });

  it('logged no console errors or warnings and no uncaught errors along the way', () => {
    expect(app.problems).toEqual([]);
  });
});
