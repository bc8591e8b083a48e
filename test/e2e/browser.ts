import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type Browser, type BrowserContext, chromium, type Locator, type Page } from 'playwright-core';
import { expect } from 'vitest';
import type { TestServer } from '../helpers/harness.js';

/** Debian's Chromium (`apt-get install chromium`); `npx playwright install` cannot download here. */
export const CHROMIUM_PATH = '/usr/bin/chromium';

const screenshotDir = fileURLToPath(new URL('../../test-results/screenshots/', import.meta.url));

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
      '--disable-quic',
      '--disable-sync',
    ],
  });
}

export interface App {
  context: BrowserContext;
  page: Page;
  /** Console errors and warnings and uncaught page errors, as readable lines. */
  problems: string[];
}

/**
 * A fresh browser context (own cookies and storage) on the test server, with clipboard access
 * for the Copy button and downloads kept for the Download button.
 */
export async function openApp(browser: Browser, server: TestServer): Promise<App> {
  const context = await browser.newContext({
    baseURL: server.url,
    acceptDownloads: true,
    permissions: ['clipboard-read', 'clipboard-write'],
    viewport: { width: 1280, height: 800 },
    locale: 'en-GB',
  });
  context.setDefaultTimeout(10_000);
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('console', (message) => {
    const type = message.type();
    if (type !== 'error' && type !== 'warning') return;
    const location = message.location();
    problems.push(`console.${type}: ${message.text()} (${location.url}:${location.lineNumber})`);
  });
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.stack ?? error.message}`));
  return { context, page, problems };
}

/** openApp, then logged in through the login page as `email`, on the tokens page. */
export async function openLoggedIn(
  browser: Browser,
  server: TestServer,
  account: { email: string; password: string },
): Promise<App> {
  const app = await openApp(browser, server);
  await app.page.goto('/login');
  await logInThroughUi(app.page, account.email, account.password);
  await app.page.waitForURL('**/tokens');
  return app;
}

/** A screenshot (full page unless told) under test-results/screenshots/ (git-ignored), for reading by eye. */
export async function screenshot(
  page: Page,
  name: string,
  options: { fullPage?: boolean } = {},
): Promise<void> {
  mkdirSync(screenshotDir, { recursive: true });
  await page.screenshot({ path: `${screenshotDir}${name}.png`, fullPage: options.fullPage ?? true });
}

/** True when `locator` is the focused element (`:focus`, so no DOM types are needed here). */
export async function isFocused(locator: Locator): Promise<boolean> {
  return (await locator.and(locator.page().locator(':focus')).count()) === 1;
}

/** Waits until `locator` has focus. */
export async function expectFocused(locator: Locator): Promise<void> {
  await expect.poll(() => isFocused(locator)).toBe(true);
}

/** A short description of whatever has focus, for failure messages. */
async function describeFocus(page: Page): Promise<string> {
  const focused = page.locator(':focus');
  if ((await focused.count()) === 0) return 'nothing';
  const element = focused.first();
  const label =
    (await element.getAttribute('aria-label')) ?? (await element.textContent())?.trim() ?? '(no text)';
  return `"${label}"`;
}

/**
 * Presses Tab until `target` has focus (at most `limit` presses), failing if focus never gets
 * there: proves the control is reachable with the keyboard alone. Returns the number of presses.
 */
export async function tabTo(page: Page, target: Locator, limit = 40): Promise<number> {
  for (let presses = 1; presses <= limit; presses++) {
    await page.keyboard.press('Tab');
    if (await isFocused(target)) return presses;
  }
  throw new Error(
    `Tab never reached the target in ${limit} presses; focus is on ${await describeFocus(page)}.`,
  );
}

export interface WhoamiResult {
  status: number;
  body: {
    error?: string;
    message?: string;
    account?: { email: string };
    token?: { id: string; name: string; permissions: string[] };
  };
}

/** GET /api/cli/whoami with the secret as a bearer token, straight from the test (not the browser). */
export async function whoami(server: TestServer, secret: string): Promise<WhoamiResult> {
  const response = await fetch(`${server.url}/api/cli/whoami`, {
    headers: { authorization: `Bearer ${secret}` },
  });
  return { status: response.status, body: (await response.json()) as WhoamiResult['body'] };
}

/** The mailed verification link, moved onto the test server's origin. */
export async function verificationLink(server: TestServer, email: string): Promise<string> {
  const mail = await server.lastMail(email, 'verify_email');
  if (!mail) throw new Error(`no verify_email mail for ${email}`);
  const match = /https?:\/\/[^\s"'<>]+\/verify-email\?token=[A-Za-z0-9_-]+/.exec(mail.body);
  if (!match) throw new Error(`no verification link in the mail body: ${mail.body}`);
  const link = new URL(match[0]);
  return new URL(`${link.pathname}${link.search}`, server.url).toString();
}

export interface Credentials {
  name: string;
  email: string;
  password: string;
}

export const newCredentials = (name: string): Credentials => ({
  name,
  email: `${name.toLowerCase().replace(/[^a-z]+/g, '-')}-${randomBytes(4).toString('hex')}@example.com`,
  password: 'correct horse battery staple',
});

/** Fills and submits the register page; the app then lands on the tokens page. */
export async function registerThroughUi(page: Page, user: Credentials): Promise<void> {
  await page.goto('/register');
  await page.getByLabel('Name', { exact: true }).fill(user.name);
  await page.getByLabel('Email', { exact: true }).fill(user.email);
  await page.getByLabel('Password', { exact: true }).fill(user.password);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.waitForURL('**/tokens');
}

/** Fills and submits the login page that is already shown. */
export async function logInThroughUi(page: Page, email: string, password: string): Promise<void> {
  await page.getByLabel('Email', { exact: true }).fill(email);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
}

/** The inline error of a form control: the element its aria-describedby names with an `-error` id. */
export async function fieldError(control: Locator): Promise<string | null> {
  await expect.poll(() => control.getAttribute('aria-invalid')).toBe('true');
  const describedBy = (await control.getAttribute('aria-describedby')) ?? '';
  const errorId = describedBy.split(/\s+/).find((id) => id.endsWith('-error'));
  if (!errorId) return null;
  return control.page().locator(`[id="${errorId}"]`).textContent();
}

/** What a readable message is not: a JSON document or a GraphQL error dump. */
export function expectReadable(message: string | null): void {
  expect(message).toBeTruthy();
  expect(message?.trim().startsWith('{')).toBe(false);
  expect(message).not.toMatch(/"errors"|"extensions"|"message"|VALIDATION_FAILED|\[object Object\]/);
}
