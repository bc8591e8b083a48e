import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SeededAccount, startTestServer, type TestServer } from '../helpers/harness.js';
import { type App, fieldError, launchBrowser, openLoggedIn, screenshot, whoami } from './browser.js';

const DAY_MS = 24 * 3600 * 1000;

/** `YYYY-MM-DDTHH:mm` in local time, as a datetime-local input takes it. */
function localInputValue(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

type ServerToken = {
  id: string;
  name: string;
  status: string;
  allowedCidrs: string[] | null;
  notBefore: string | null;
  usageLimit: number | null;
  usageRemaining: number | null;
  usageRefill: { amount: number; interval: string } | null;
  expiryReminders: boolean;
};

/**
 * The restrictions a token carries (allowed IP ranges, not before, usage credits) from the new
 * token form to the server and back on the detail page, tightening them there (loosening refused
 * on its field), the expiry-reminders switch and the list's expiring-soon flag; rotation from the
 * detail page and the mailed `?rotate=1` link, the old token's grace, and the least-privilege view
 * with "Narrow to what is used". One browser context, steps in order.
 */
describe('token restrictions, reminders and rotation in the web app', () => {
  let server: TestServer;
  let browser: Browser;
  let app: App;
  let page: Page;
  let account: SeededAccount;
  let cookie: string;

  const list = (): Locator => page.getByRole('table', { name: 'Your API tokens' });
  const rowOf = (name: string): Locator => list().getByRole('row').filter({ hasText: name });

  const tokenFields =
    'id name status allowedCidrs notBefore usageLimit usageRemaining usageRefill { amount interval } expiryReminders';

  /** The server's view of the newest token with this name. */
  const tokenByName = async (name: string): Promise<ServerToken> => {
    const answer = await server.gql<{ tokens: { edges: { node: ServerToken }[] } }>(
      `query($search: String) { tokens(search: $search, first: 50, statuses: [ACTIVE, PENDING, INACTIVE, EXPIRED, REVOKED]) { edges { node { ${tokenFields} } } } }`,
      { search: name },
      { cookie },
    );
    const found = answer.body.data?.tokens.edges.find((edge) => edge.node.name === name);
    if (!found) throw new Error(`no token named ${name}: ${JSON.stringify(answer.body)}`);
    return found.node;
  };

  const createToken = async (input: Record<string, unknown>): Promise<{ id: string; secret: string }> => {
    const answer = await server.gql<{ createToken: { secret: string; token: { id: string } } }>(
      'mutation($input: CreateTokenInput!) { createToken(input: $input) { secret token { id } } }',
      { input },
      { cookie },
    );
    const created = answer.body.data?.createToken;
    if (!created) throw new Error(`createToken failed: ${JSON.stringify(answer.body)}`);
    return { id: created.token.id, secret: created.secret };
  };

  const openNewToken = async (name: string): Promise<Locator> => {
    await page.goto('/tokens');
    await page.getByRole('button', { name: 'New token' }).click();
    const dialog = page.getByRole('dialog', { name: 'New token', exact: true });
    await dialog.waitFor();
    await dialog.getByLabel('Name', { exact: true }).fill(name);
    return dialog;
  };

  /** Submits the open new-token form and returns the revealed secret, closing the reveal dialog. */
  const createAndReveal = async (dialog: Locator): Promise<string> => {
    await dialog.getByRole('button', { name: 'Create token' }).click();
    const reveal = page.getByRole('dialog', { name: 'Copy your new token' });
    await reveal.waitFor();
    const secret = await reveal.getByLabel('Token secret').inputValue();
    await reveal.getByRole('checkbox', { name: 'I have copied my token to a safe place' }).check();
    await reveal.getByRole('button', { name: 'Close' }).click();
    await reveal.waitFor({ state: 'detached' });
    return secret;
  };

  const openDetail = async (name: string): Promise<void> => {
    const token = await tokenByName(name);
    await page.goto(`/tokens/${token.id}`);
    await page.getByRole('heading', { level: 1, name }).waitFor();
  };

  const restrictions = (): Locator => page.getByRole('region', { name: 'Restrictions' });
  /** The rotated tokens, for the screenshots: the plain rotation and the narrowing one. */
  const rotatedIds: string[] = [];

  beforeAll(async () => {
    server = await startTestServer();
    account = await server.seedAccount({ name: 'Rita Restrict', verified: true });
    cookie = await server.login(account.email, account.password);
    browser = await launchBrowser();
    app = await openLoggedIn(browser, server, account);
    page = app.page;
  });

  afterAll(async () => {
    await app?.context.close();
    await browser?.close();
    await server?.close();
  });

  it('sends allowed IP ranges from the form, showing a malformed one on its field', async () => {
    const dialog = await openNewToken('office-only');
    const section = dialog.getByRole('group', { name: 'Restrictions' });
    const ranges = section.getByLabel('Allowed IP ranges');
    await ranges.fill('203.0.113.0/24\n10.0.0.300');
    await dialog.getByRole('button', { name: 'Create token' }).click();
    expect(await fieldError(ranges)).toContain('"10.0.0.300" is not an IPv4/IPv6 address or CIDR range');
    expect(await dialog.isVisible()).toBe(true);

    await ranges.fill(' 203.0.113.0/24\n\n2001:DB8::/32 ');
    const secret = await createAndReveal(dialog);
    expect((await tokenByName('office-only')).allowedCidrs).toEqual(['203.0.113.0/24', '2001:db8::/32']);
    // This test's requests come from 127.0.0.1: outside the ranges.
    const answer = await whoami(server, secret);
    expect(answer.status).toBe(403);
    expect(answer.body.error).toBe('ip_not_allowed');
  });

  it('makes a token PENDING with not before, listed as “Valid from <date>”', async () => {
    const start = new Date(Date.now() + 3 * DAY_MS);
    start.setHours(9, 30, 0, 0);
    const dialog = await openNewToken('starts-later');
    await dialog
      .getByRole('group', { name: 'Restrictions' })
      .getByLabel('Not before')
      .fill(localInputValue(start));
    const secret = await createAndReveal(dialog);

    const token = await tokenByName('starts-later');
    expect(token.status).toBe('PENDING');
    expect(new Date(token.notBefore ?? '').getTime()).toBe(start.getTime());
    const answer = await whoami(server, secret);
    expect(answer.status).toBe(401);
    expect(answer.body.error).toBe('token_not_yet_valid');

    const date = new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium' }).format(start);
    const row = rowOf('starts-later');
    await row.getByText('Pending', { exact: true }).waitFor();
    expect(await row.textContent()).toContain(`Valid from ${date}`);
    await row.getByRole('link', { name: 'starts-later' }).click();
    await page.getByRole('heading', { level: 1, name: 'starts-later' }).waitFor();
    expect(await page.locator('.page-head').textContent()).toContain(`Valid from ${date}`);
  });

  it('sends a usage limit with a refill, and the detail page shows the credits left', async () => {
    const dialog = await openNewToken('five-calls');
    const section = dialog.getByRole('group', { name: 'Restrictions' });
    await section.getByLabel('Usage limit').fill('5');
    await section.getByLabel('Refill').selectOption({ label: 'Every day' });
    await section.getByLabel('Refill amount').fill('4');
    const secret = await createAndReveal(dialog);

    const token = await tokenByName('five-calls');
    expect(token.usageLimit).toBe(5);
    expect(token.usageRefill).toEqual({ amount: 4, interval: 'DAY' });
    expect((await whoami(server, secret)).status).toBe(200);
    expect((await whoami(server, secret)).status).toBe(200);

    await openDetail('five-calls');
    const facts = restrictions().getByRole('definition');
    await expect.poll(() => facts.allTextContents()).toContain('3 of 5 left');
    expect(await restrictions().textContent()).toContain('refilled to 4 every day');
  });

  it('tightens restrictions on the detail page and refuses a loosening on its field', async () => {
    await openDetail('five-calls');
    const region = restrictions();
    expect(await region.textContent()).toContain('can only be tightened');
    const limit = region.getByLabel('Usage limit');
    expect(await limit.inputValue()).toBe('5');

    await limit.fill('10');
    await region.getByRole('button', { name: 'Tighten restrictions' }).click();
    expect(await fieldError(limit)).toContain('usageLimit is 5; choose that or fewer');
    expect((await tokenByName('five-calls')).usageLimit).toBe(5);

    await limit.fill('2');
    await region.getByLabel('Allowed IP ranges').fill('198.51.100.7');
    await region.getByRole('button', { name: 'Tighten restrictions' }).click();
    await region.getByText('Restrictions tightened.').waitFor();
    const token = await tokenByName('five-calls');
    expect(token.usageLimit).toBe(2);
    expect(token.usageRemaining).toBe(2);
    expect(token.allowedCidrs).toEqual(['198.51.100.7']);
    expect(await region.getByRole('definition').allTextContents()).toContain('2 of 2 left');
    expect(await limit.getAttribute('aria-invalid')).toBeNull();

    // The history names the change.
    await page
      .getByRole('region', { name: 'History' })
      .getByText('Restrictions tightened', { exact: true })
      .waitFor();

    // Widening the allowed ranges is loosening: refused on the field, nothing changes.
    await openDetail('office-only');
    const ranges = restrictions().getByLabel('Allowed IP ranges');
    expect(await ranges.inputValue()).toBe('203.0.113.0/24\n2001:db8::/32');
    await ranges.fill('203.0.113.0/24\n192.0.2.0/24');
    await restrictions().getByRole('button', { name: 'Tighten restrictions' }).click();
    expect(await fieldError(ranges)).toContain('192.0.2.0/24 is outside the token');
    expect((await tokenByName('office-only')).allowedCidrs).toEqual(['203.0.113.0/24', '2001:db8::/32']);

    // Emptying the list would allow any address: the form says so without asking the server.
    await ranges.fill('');
    await restrictions().getByRole('button', { name: 'Tighten restrictions' }).click();
    expect(await fieldError(ranges)).toContain('can only be tightened');
  });

  it('switches expiry reminders off and on, and flags tokens expiring within 7 days in the list', async () => {
    await createToken({ name: 'expires-in-7', preset: 'READ_ONLY', expiresInDays: 7 });
    await createToken({ name: 'expires-in-8', preset: 'READ_ONLY', expiresInDays: 8 });
    await openDetail('expires-in-7');
    const reminders = page.getByRole('switch', { name: 'Expiry reminders' });
    expect(await reminders.getAttribute('aria-checked')).toBe('true');
    await reminders.click();
    await expect.poll(() => reminders.getAttribute('aria-checked')).toBe('false');
    // The switch shows the new state while the change is on its way: wait for the server's answer.
    await expect.poll(async () => (await tokenByName('expires-in-7')).expiryReminders).toBe(false);
    await expect.poll(() => reminders.getAttribute('aria-busy')).toBeNull();
    await page.reload();
    await expect.poll(() => reminders.getAttribute('aria-checked')).toBe('false');
    await reminders.click();
    await expect.poll(() => reminders.getAttribute('aria-checked')).toBe('true');
    await expect.poll(async () => (await tokenByName('expires-in-7')).expiryReminders).toBe(true);

    await page.goto('/tokens');
    const soon = rowOf('expires-in-7').getByText('Expires in 7 days', { exact: true });
    expect(await soon.getAttribute('class')).toContain('badge-soon');
    const later = rowOf('expires-in-8').getByText('Expires in 8 days', { exact: true });
    expect(await later.getAttribute('class')).not.toContain('badge-soon');
  });

  /** A GraphQL request made with the token itself (its own permissions), straight from the test. */
  const asToken = async (secret: string, query: string) => {
    const answer = await server.gql(query, {}, { token: secret });
    expect(answer.body.errors).toBeUndefined();
  };

  const rotationState = async (id: string) => {
    const answer = await server.gql<{
      token: { rotation: { successorId: string; graceEndsAt: string; oldSecretUses: number } | null };
    }>(
      'query($id: ID!) { token(id: $id) { rotation { successorId graceEndsAt oldSecretUses } } }',
      { id },
      { cookie },
    );
    return answer.body.data?.token.rotation ?? null;
  };

  it('opens the rotation dialog from ?rotate=1 without acting, and not again after Cancel', async () => {
    const { id } = await createToken({ name: 'rotate-me', preset: 'READ_ONLY', expiresInDays: 30 });
    await page.goto(`/tokens/${id}?rotate=1`);
    const dialog = page.getByRole('dialog', { name: 'Rotate “rotate-me”' });
    await dialog.waitFor();
    expect(await dialog.getByRole('radio', { name: '24 hours' }).isChecked()).toBe(true);
    // Opening the dialog changed nothing.
    expect(await rotationState(id)).toBeNull();
    expect((await tokenByName('rotate-me')).status).toBe('ACTIVE');

    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'detached' });
    await page.waitForURL((url) => url.pathname === `/tokens/${id}` && url.search === '');
    await page.reload();
    await page.getByRole('heading', { level: 1, name: 'rotate-me' }).waitFor();
    expect(await dialog.count()).toBe(0);
    expect(await rotationState(id)).toBeNull();
  });

  it('rotates with the Rotate button: the new secret revealed once, the old token in its grace', async () => {
    const old = await createToken({ name: 'ci-deploy', preset: 'READ_ONLY', expiresInDays: 30 });
    rotatedIds.push(old.id);
    await page.goto(`/tokens/${old.id}`);
    await page.getByRole('heading', { level: 1, name: 'ci-deploy' }).waitFor();
    await page.getByRole('region', { name: 'Rotation' }).getByRole('button', { name: 'Rotate' }).click();
    const dialog = page.getByRole('dialog', { name: 'Rotate “ci-deploy”' });
    await dialog.getByLabel('Name', { exact: true }).fill('ci-deploy 2');
    await dialog.getByRole('radio', { name: '1 hour' }).check();
    await dialog.getByRole('button', { name: 'Rotate token' }).click();

    const reveal = page.getByRole('dialog', { name: 'Copy your new token' });
    await reveal.waitFor();
    const secret = await reveal.getByLabel('Token secret').inputValue();
    expect(secret).not.toBe(old.secret);
    const fresh = await whoami(server, secret);
    expect(fresh.status).toBe(200);
    expect(fresh.body.token?.name).toBe('ci-deploy 2');
    await reveal.getByRole('checkbox', { name: 'I have copied my token to a safe place' }).check();
    await reveal.getByRole('button', { name: 'Close' }).click();
    await reveal.waitFor({ state: 'detached' });
    expect((await page.evaluate('document.documentElement.outerHTML')) as string).not.toContain(secret);

    const rotation = await rotationState(old.id);
    const graceLeft = new Date(rotation?.graceEndsAt ?? 0).getTime() - Date.now();
    expect(graceLeft).toBeGreaterThan(55 * 60_000);
    expect(graceLeft).toBeLessThanOrEqual(3600_000);

    // During the grace the old secret still works; each use is counted on the old token.
    expect((await whoami(server, old.secret)).status).toBe(200);
    expect((await whoami(server, old.secret)).status).toBe(200);
    await server.keyward.services.usage.flush();
    await page.reload();
    const region = page.getByRole('region', { name: 'Rotation' });
    await region.getByText('Old secret used 2 times since rotation, last from 127.0.0.1').waitFor();
    expect(await region.textContent()).toContain('Grace ends');
    expect(await region.getByRole('button', { name: 'Rotate' }).count()).toBe(0);
    await region.getByRole('link').click();
    await page.getByRole('heading', { level: 1, name: 'ci-deploy 2' }).waitFor();
    expect(new URL(page.url()).pathname).toBe(`/tokens/${rotation?.successorId}`);
  });

  it('shows each permission’s use and narrows to what is used through rotation', async () => {
    const least = await createToken({
      name: 'least-used',
      preset: 'CUSTOM',
      permissions: ['account:read', 'tokens:read', 'audit:read'],
    });
    rotatedIds.push(least.id);
    for (let i = 0; i < 3; i++) await asToken(least.secret, '{ tokens(first: 1) { edges { node { id } } } }');
    await server.keyward.services.usage.flush();

    await page.goto(`/tokens/${least.id}`);
    const permissions = page.getByRole('region', { name: 'Permissions' });
    const entry = (permission: string) =>
      permissions.getByRole('listitem').filter({ has: page.getByText(permission, { exact: true }) });
    await expect.poll(() => entry('tokens:read').textContent()).toContain('used 3 times, last just now');
    expect(await entry('account:read').textContent()).toContain('never used in 30 days');
    expect(await entry('audit:read').textContent()).toContain('never used in 30 days');

    await permissions.getByRole('button', { name: 'Narrow to what is used' }).click();
    const dialog = page.getByRole('dialog', { name: 'Rotate “least-used”' });
    await dialog.waitFor();
    const listed = await dialog.getByRole('listitem').allTextContents();
    expect(listed).toEqual(['tokens:read']);
    await dialog.getByRole('button', { name: 'Rotate token' }).click();
    const reveal = page.getByRole('dialog', { name: 'Copy your new token' });
    const secret = await reveal.getByLabel('Token secret').inputValue();
    const answer = await whoami(server, secret);
    expect(answer.body.token?.permissions).toEqual(['tokens:read']);
    await reveal.getByRole('checkbox', { name: 'I have copied my token to a safe place' }).check();
    await reveal.getByRole('button', { name: 'Close' }).click();
    await reveal.waitFor({ state: 'detached' });
    await page
      .getByRole('region', { name: 'Rotation' })
      .getByText('Old secret not used since rotation.')
      .waitFor();
    // Once rotated, there is nothing left to narrow here: the successor is where to do it.
    expect(await permissions.getByRole('button', { name: 'Narrow to what is used' }).count()).toBe(0);
  });

  it('fits the detail page on a 390 px screen (screenshots)', async () => {
    const pages = [
      [`/tokens/${(await tokenByName('five-calls')).id}`, 'token-detail-restrictions'],
      [`/tokens/${rotatedIds[0]}`, 'token-detail-rotated'],
      [`/tokens/${rotatedIds[1]}`, 'token-detail-least-privilege'],
    ];
    for (const [path, file] of pages) {
      await page.setViewportSize({ width: 1280, height: 800 });
      await page.goto(path ?? '');
      await page.getByRole('region', { name: 'Restrictions' }).waitFor();
      await screenshot(page, `${file}-desktop`);
      await page.setViewportSize({ width: 390, height: 844 });
      const fits = await page.evaluate('document.documentElement.scrollWidth <= window.innerWidth');
      expect(fits).toBe(true);
      await screenshot(page, `${file}-390`);
    }
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  it('logged no console errors or warnings and no uncaught errors along the way', () => {
    expect(app.problems).toEqual([]);
  });
});
