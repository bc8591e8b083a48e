import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SeededAccount, startTestServer, type TestServer } from '../helpers/harness.js';
import {
  type App,
  expectFocused,
  fieldError,
  launchBrowser,
  openLoggedIn,
  screenshot,
  tabTo,
  whoami,
} from './browser.js';

const DAY_MS = 24 * 3600 * 1000;

/** An element's computed `display`, run in the page (typed by hand: these tests have no DOM types). */
type PageWindow = { getComputedStyle(element: unknown): { display: string } };
const displayOf = (element: unknown): string =>
  (globalThis as unknown as PageWindow).getComputedStyle(element).display;

type SeedToken = { name: string; id: string; displayPrefix: string };

/**
 * The token pages against seeded tokens in every status: the list's status filter (dead tokens
 * hidden by default), search and sort kept in the URL, its new columns and row delete; the new
 * token form's expiry choices, rate limit and usage snippet; the detail page's one switch and its
 * revoked state; and the list as cards at 390 px. One browser context, steps in order.
 */
describe('token pages', () => {
  let server: TestServer;
  let browser: Browser;
  let app: App;
  let page: Page;
  let account: SeededAccount;
  let cookie: string;
  const seeded: Record<string, SeedToken> = {};

  const list = (): Locator => page.getByRole('table', { name: 'Your API tokens' });
  const rowOf = (name: string): Locator => list().getByRole('row').filter({ hasText: name });
  /** The token names in the list, top to bottom. */
  const listedNames = async (): Promise<string[]> =>
    list().locator('tbody th[scope="row"] a').allTextContents();
  const expectListed = async (names: string[]): Promise<void> => {
    await expect.poll(listedNames).toEqual(names);
  };

  /** Creates a token through the API, as the seeded account. */
  const createToken = async (input: Record<string, unknown>): Promise<SeedToken> => {
    const answer = await server.gql<{ createToken: { token: SeedToken } }>(
      'mutation($input: CreateTokenInput!) { createToken(input: $input) { token { id name displayPrefix } } }',
      { input },
      { cookie },
    );
    const token = answer.body.data?.createToken.token;
    if (!token) throw new Error(`createToken failed: ${JSON.stringify(answer.body)}`);
    return token;
  };

  /** The server's view of a token, by id. */
  const tokenOnServer = async (id: string) => {
    const answer = await server.gql<{
      token: { name: string; status: string; expiresAt: string | null; rateLimitPerMinute: number } | null;
    }>('query($id: ID!) { token(id: $id) { name status expiresAt rateLimitPerMinute } }', { id }, { cookie });
    return answer.body.data?.token ?? null;
  };

  /** The id of the newest token with this name. */
  const tokenIdByName = async (name: string): Promise<string> => {
    const answer = await server.gql<{ tokens: { edges: { node: { id: string; name: string } }[] } }>(
      'query($search: String) { tokens(search: $search, first: 50) { edges { node { id name } } } }',
      { search: name },
      { cookie },
    );
    const found = answer.body.data?.tokens.edges.find((edge) => edge.node.name === name);
    if (!found) throw new Error(`no token named ${name}`);
    return found.node.id;
  };

  beforeAll(async () => {
    server = await startTestServer();
    account = await server.seedAccount({ name: 'Tess Tokens', verified: true });
    cookie = await server.login(account.email, account.password);
    // One token per status, created a day apart (oldest first), with different uses and expiries.
    seeded.alpha = await createToken({ name: 'alpha-deploy', preset: 'ALL', expiresInDays: 3 });
    seeded.beta = await createToken({ name: 'beta-backup', preset: 'READ_ONLY' });
    seeded.gamma = await createToken({ name: 'gamma-old', preset: 'CLI', expiresInDays: 5 });
    seeded.delta = await createToken({ name: 'delta-gone', preset: 'ALL', expiresInDays: 20 });
    seeded.epsilon = await createToken({
      name: 'epsilon-ci',
      preset: 'CUSTOM',
      permissions: ['account:read', 'tokens:read', 'tokens:create'],
      expiresInDays: 60,
    });
    const order = ['alpha', 'beta', 'gamma', 'delta', 'epsilon'];
    for (const [index, key] of order.entries()) {
      await server.sql('update api_token set created_at = now() - make_interval(days => $1) where id = $2', [
        order.length - index,
        seeded[key]?.id,
      ]);
    }
    await server.sql("update api_token set last_used_at = now() - interval '1 hour' where id = $1", [
      seeded.alpha?.id,
    ]);
    await server.sql("update api_token set last_used_at = now() - interval '2 days' where id = $1", [
      seeded.beta?.id,
    ]);
    await server.sql("update api_token set expires_at = now() - interval '1 day' where id = $1", [
      seeded.gamma?.id,
    ]);
    await server.gql(
      'mutation($id: ID!) { setTokenActive(id: $id, active: false) { id } }',
      { id: seeded.beta?.id },
      { cookie },
    );
    await server.gql(
      'mutation($id: ID!) { revokeToken(id: $id) { id } }',
      { id: seeded.delta?.id },
      { cookie },
    );

    browser = await launchBrowser();
    app = await openLoggedIn(browser, server, account);
    page = app.page;
  });

  afterAll(async () => {
    await app?.context.close();
    await browser?.close();
    await server?.close();
  });

  it('hides dead tokens by default and shows scopes, creator and expiry badges', async () => {
    await expectListed(['epsilon-ci', 'beta-backup', 'alpha-deploy']);
    const show = page.getByRole('group', { name: 'Show' });
    expect(await show.getByRole('checkbox', { name: 'Active', exact: true }).isChecked()).toBe(true);
    expect(await show.getByRole('checkbox', { name: 'Inactive', exact: true }).isChecked()).toBe(true);
    expect(await show.getByRole('checkbox', { name: 'Expired', exact: true }).isChecked()).toBe(false);
    expect(await show.getByRole('checkbox', { name: 'Revoked', exact: true }).isChecked()).toBe(false);

    const alpha = rowOf('alpha-deploy');
    expect(await alpha.textContent()).toContain('All permissions');
    expect(await alpha.getByRole('cell', { name: 'You' }).count()).toBe(1);
    const soon = alpha.getByText('Expires in 3 days', { exact: true });
    expect(await soon.getAttribute('class')).toContain('badge-soon');
    expect(await rowOf('beta-backup').getByText('No expiry', { exact: true }).count()).toBe(1);
    expect(await rowOf('beta-backup').textContent()).toContain('Read only');
    const epsilon = rowOf('epsilon-ci');
    const later = epsilon.getByText('Expires in 60 days', { exact: true });
    expect(await later.getAttribute('class')).not.toContain('badge-soon');
    expect(await epsilon.textContent()).toContain('account:read, tokens:create +1 more');
  });

  it('filters by status, keeping the filter in the URL across a reload', async () => {
    const show = page.getByRole('group', { name: 'Show' });
    await show.getByRole('checkbox', { name: 'Expired', exact: true }).check();
    await page.waitForURL((url) => url.search === '?status=active,pending,inactive,expired');
    await expectListed(['epsilon-ci', 'gamma-old', 'beta-backup', 'alpha-deploy']);
    expect(await rowOf('gamma-old').getByText('Expired', { exact: true }).count()).toBe(1);
    expect(await rowOf('gamma-old').textContent()).toContain('Expired yesterday');

    await show.getByRole('checkbox', { name: 'Active', exact: true }).uncheck();
    await show.getByRole('checkbox', { name: 'Pending', exact: true }).uncheck();
    await show.getByRole('checkbox', { name: 'Inactive', exact: true }).uncheck();
    await expectListed(['gamma-old']);
    // The last ticked status can't be unticked: an empty filter would show nothing.
    expect(await show.getByRole('checkbox', { name: 'Expired', exact: true }).isDisabled()).toBe(true);
    await show.getByRole('checkbox', { name: 'Revoked', exact: true }).check();
    await page.waitForURL((url) => url.search === '?status=expired,revoked');
    await expectListed(['delta-gone', 'gamma-old']);
    // A revoked token says so, can't be switched, and has nothing left to delete.
    const delta = rowOf('delta-gone');
    expect(await delta.getByText('Revoked', { exact: true }).count()).toBe(1);
    expect(await delta.getByRole('switch', { name: 'Active' }).isDisabled()).toBe(true);
    expect(await delta.getByRole('button', { name: /^Delete token/ }).count()).toBe(0);

    await page.reload();
    await expectListed(['delta-gone', 'gamma-old']);
    expect(await show.getByRole('checkbox', { name: 'Active', exact: true }).isChecked()).toBe(false);

    await page.goBack();
    await page.waitForURL((url) => url.search === '?status=expired');
    await expectListed(['gamma-old']);
    await page.goto('/tokens');
    await expectListed(['epsilon-ci', 'beta-backup', 'alpha-deploy']);
  });

  it('searches by name or by prefix, in the URL', async () => {
    const search = page.getByRole('searchbox', { name: 'Search tokens' });
    await search.fill('CI');
    await page.waitForURL((url) => url.search === '?q=CI');
    await expectListed(['epsilon-ci']);

    await search.fill(seeded.alpha?.displayPrefix ?? '');
    await expectListed(['alpha-deploy']);

    // Dead tokens stay hidden from a search until their status is ticked.
    await search.fill('gamma');
    await page.getByText('No tokens match “gamma” with these statuses.').waitFor();
    await page.getByRole('checkbox', { name: 'Expired', exact: true }).check();
    await page.waitForURL((url) => url.search === '?q=gamma&status=active,pending,inactive,expired');
    await expectListed(['gamma-old']);

    await page.reload();
    expect(await search.inputValue()).toBe('gamma');
    await expectListed(['gamma-old']);
    await search.fill('');
    await page.waitForURL((url) => url.search === '?status=active,pending,inactive,expired');
    await page.goto('/tokens');
  });

  it('sorts by created, last used and expiry, marking the sorted column', async () => {
    const sort = page.getByRole('combobox', { name: 'Sort by' });
    const sortedHeader = () => list().locator('th[aria-sort]');
    await expectListed(['epsilon-ci', 'beta-backup', 'alpha-deploy']);
    expect(await sortedHeader().textContent()).toBe('Created');
    expect(await sortedHeader().getAttribute('aria-sort')).toBe('descending');

    await sort.selectOption({ label: 'Recently used' });
    await page.waitForURL((url) => url.search === '?sort=last-used');
    // Never-used tokens last.
    await expectListed(['alpha-deploy', 'beta-backup', 'epsilon-ci']);
    expect(await sortedHeader().textContent()).toBe('Last used');

    await sort.selectOption({ label: 'Expiring soonest' });
    await page.waitForURL((url) => url.search === '?sort=expires');
    // Tokens that never expire last.
    await expectListed(['alpha-deploy', 'epsilon-ci', 'beta-backup']);
    expect(await sortedHeader().textContent()).toBe('Expires');
    expect(await sortedHeader().getAttribute('aria-sort')).toBe('ascending');

    await sort.selectOption({ label: 'Oldest first' });
    await page.waitForURL((url) => url.search === '?sort=oldest');
    await expectListed(['alpha-deploy', 'beta-backup', 'epsilon-ci']);

    await sort.selectOption({ label: 'Newest first' });
    await page.waitForURL((url) => url.search === '');
    await expectListed(['epsilon-ci', 'beta-backup', 'alpha-deploy']);
  });

  it('deletes a token from its row after a confirmation; Cancel and Escape change nothing', async () => {
    const trash = rowOf('beta-backup').getByRole('button', { name: 'Delete token beta-backup' });
    await tabTo(page, trash, 60);
    await page.keyboard.press('Enter');
    const confirm = page.getByRole('dialog', { name: 'Delete token “beta-backup”?' });
    await confirm.waitFor();
    const explanation = (await confirm.textContent()) ?? '';
    expect(explanation).toContain('Deleting revokes the token');
    expect(explanation).toContain('stays in your list, marked Revoked');
    // Cancel has focus first; Escape backs out and focus returns to the row's button.
    await expectFocused(confirm.getByRole('button', { name: 'Cancel' }));
    await page.keyboard.press('Escape');
    await confirm.waitFor({ state: 'detached' });
    await expectFocused(trash);

    await trash.click();
    await confirm.getByRole('button', { name: 'Cancel' }).click();
    await confirm.waitFor({ state: 'detached' });
    await expectFocused(trash);
    expect((await tokenOnServer(seeded.beta?.id ?? ''))?.status).toBe('INACTIVE');

    await trash.click();
    await confirm.getByRole('button', { name: 'Delete token' }).click();
    await confirm.waitFor({ state: 'detached' });
    await page
      .getByText('Deleted “beta-backup”: it is revoked for good and stays listed under Revoked.')
      .waitFor();
    await expectListed(['epsilon-ci', 'alpha-deploy']);
    await expectFocused(page.getByRole('heading', { level: 1, name: 'Tokens' }));
    expect((await tokenOnServer(seeded.beta?.id ?? ''))?.status).toBe('REVOKED');

    await page.getByRole('checkbox', { name: 'Revoked', exact: true }).check();
    await expectListed(['epsilon-ci', 'delta-gone', 'beta-backup', 'alpha-deploy']);
    expect(await rowOf('beta-backup').getByText('Revoked', { exact: true }).count()).toBe(1);
    await page.goto('/tokens');
  });

  /** Opens the New token dialog, names the token and lets `fill` set the rest; returns the dialog. */
  const openNewToken = async (name: string): Promise<Locator> => {
    await page.getByRole('button', { name: 'New token' }).click();
    const dialog = page.getByRole('dialog', { name: 'New token', exact: true });
    await dialog.waitFor();
    await dialog.getByLabel('Name', { exact: true }).fill(name);
    return dialog;
  };

  /** Submits the dialog; returns the secret from the reveal dialog and closes it. */
  const createAndReveal = async (dialog: Locator): Promise<string> => {
    await dialog.getByRole('button', { name: 'Create token' }).click();
    await dialog.waitFor({ state: 'detached' });
    const reveal = page.getByRole('dialog', { name: 'Copy your new token' });
    await reveal.waitFor();
    const secret = await reveal.getByLabel('Token secret').inputValue();
    await reveal.getByRole('checkbox', { name: 'I have copied my token to a safe place' }).check();
    await reveal.getByRole('button', { name: 'Close' }).click();
    await reveal.waitFor({ state: 'detached' });
    return secret;
  };

  it('offers 7, 30, 60 and 90 days (30 by default) and gives each its expiry', async () => {
    for (const days of [7, 30, 60, 90]) {
      const dialog = await openNewToken(`quick-${days}`);
      expect(await dialog.getByRole('radio', { name: '30 days', exact: true }).isChecked()).toBe(true);
      await dialog.getByRole('radio', { name: `${days} days`, exact: true }).check();
      const before = Date.now();
      await createAndReveal(dialog);
      const token = await tokenOnServer(await tokenIdByName(`quick-${days}`));
      const expiresAt = new Date(token?.expiresAt ?? 0).getTime();
      expect(Math.abs(expiresAt - (before + days * DAY_MS))).toBeLessThan(60_000);
      await rowOf(`quick-${days}`).getByText(`Expires in ${days} days`, { exact: true }).waitFor();
    }
  });

  it('sends a custom date and time as ISO 8601 with the browser’s offset', async () => {
    const dialog = await openNewToken('custom-when');
    await dialog.getByRole('radio', { name: 'Expires at', exact: true }).check();
    const when = new Date(Date.now() + 45 * DAY_MS);
    const pad = (n: number) => String(n).padStart(2, '0');
    const local = `${when.getFullYear()}-${pad(when.getMonth() + 1)}-${pad(when.getDate())}T14:30`;
    await dialog.getByLabel('Expiration date and time').fill(local);
    const [request] = await Promise.all([
      page.waitForRequest((candidate) => (candidate.postData() ?? '').includes('CreateToken')),
      createAndReveal(dialog),
    ]);
    const sent = (request.postDataJSON() as { variables: { input: { expiresAt: string } } }).variables.input;
    expect(sent.expiresAt).toMatch(/^\d{4}-\d{2}-\d{2}T14:30:00[+-]\d{2}:\d{2}$/);
    // The instant the browser means by that local time (its own time zone).
    const meant = (await page.evaluate(`new Date(${JSON.stringify(local)}).toISOString()`)) as string;
    const token = await tokenOnServer(await tokenIdByName('custom-when'));
    expect(new Date(token?.expiresAt ?? 0).toISOString()).toBe(meant);
  });

  it('refuses a custom date in the past next to the field, and still offers Never expires', async () => {
    const dialog = await openNewToken('never-ending');
    const when = dialog.getByLabel('Expiration date and time');
    await when.fill('2020-01-01T10:00');
    expect(await dialog.getByRole('radio', { name: 'Expires at', exact: true }).isChecked()).toBe(true);
    await dialog.getByRole('button', { name: 'Create token' }).click();
    expect(await fieldError(when)).toBe('The expiration must be in the future.');

    await dialog.getByRole('radio', { name: 'Never expires', exact: true }).check();
    await createAndReveal(dialog);
    const token = await tokenOnServer(await tokenIdByName('never-ending'));
    expect(token?.expiresAt).toBeNull();
    await rowOf('never-ending').getByText('No expiry', { exact: true }).waitFor();
  });

  it('shows the default rate limit and sends a chosen one to the server', async () => {
    const dialog = await openNewToken('slow-bot');
    const rate = dialog.getByLabel('Rate limit (requests per minute)');
    expect(await rate.inputValue()).toBe('120');
    await rate.fill('0');
    await dialog.getByRole('button', { name: 'Create token' }).click();
    expect(await fieldError(rate)).toBe('Enter a whole number of requests per minute, at least 1.');
    // Above the server's maximum: the server's own message, next to the field.
    await rate.fill('20000');
    await dialog.getByRole('button', { name: 'Create token' }).click();
    expect(await fieldError(rate)).toBe('Use a whole number from 1 to 10000.');
    await rate.fill('30');
    await createAndReveal(dialog);
    expect((await tokenOnServer(await tokenIdByName('slow-bot')))?.rateLimitPerMinute).toBe(30);
    // Left alone, the token gets the server's default.
    expect((await tokenOnServer(await tokenIdByName('quick-7')))?.rateLimitPerMinute).toBe(120);
  });

  it('shows a usage snippet with the secret beside it, with a working Copy command button', async () => {
    const dialog = await openNewToken('snippet');
    await dialog.getByRole('button', { name: 'Create token' }).click();
    const reveal = page.getByRole('dialog', { name: 'Copy your new token' });
    await reveal.waitFor();
    const secret = await reveal.getByLabel('Token secret').inputValue();
    const snippet = reveal.getByRole('region', { name: 'Try it' });
    const command = `curl -H "Authorization: Bearer ${secret}" ${server.url}/api/cli/whoami`;
    expect(await snippet.locator('pre').textContent()).toBe(command);
    await snippet.getByRole('button', { name: 'Copy command' }).click();
    await snippet.getByText('Command copied.').waitFor();
    expect(await page.evaluate('navigator.clipboard.readText()')).toBe(command);
    // What the command does, from here: whoami answers for the new token.
    const answer = await whoami(server, secret);
    expect(answer.status).toBe(200);
    expect(answer.body.token?.name).toBe('snippet');

    await reveal.getByRole('checkbox', { name: 'I have copied my token to a safe place' }).check();
    await reveal.getByRole('button', { name: 'Close' }).click();
    await reveal.waitFor({ state: 'detached' });
    expect((await page.evaluate('document.documentElement.outerHTML')) as string).not.toContain(secret);
  });

  it('has one status control on the detail page, and messages that do not outlive their state', async () => {
    await rowOf('epsilon-ci').getByRole('link', { name: 'epsilon-ci' }).click();
    await page.getByRole('heading', { level: 1, name: 'epsilon-ci' }).waitFor();
    const main = page.getByRole('main');
    expect(await main.getByRole('switch', { name: 'Active', exact: true }).count()).toBe(1);
    expect(await main.getByRole('radio').count()).toBe(0);
    expect(await main.getByRole('button', { name: 'Save', exact: true }).count()).toBe(0);
    const activeSwitch = page.getByRole('region', { name: 'Status' }).getByRole('switch', { name: 'Active' });
    expect(await activeSwitch.getAttribute('aria-checked')).toBe('true');

    const details = page.getByRole('region', { name: 'Name and description' });
    await details.getByLabel('Description', { exact: true }).fill('Runs the nightly checks');
    await details.getByRole('button', { name: 'Update details' }).click();
    const updated = details.getByText('Details updated.');
    await updated.waitFor();
    // A later change of state takes the earlier confirmation away.
    await activeSwitch.click();
    await expect.poll(() => activeSwitch.getAttribute('aria-checked')).toBe('false');
    await updated.waitFor({ state: 'detached' });
    await activeSwitch.click();
    await expect.poll(() => activeSwitch.getAttribute('aria-checked')).toBe('true');
  });

  it('shows a revoked token with the Revoked badge and no edit forms', async () => {
    const danger = page.getByRole('region', { name: 'Danger zone' });
    expect(await danger.textContent()).toContain('stays in your list as Revoked');
    await danger.getByRole('button', { name: 'Delete token' }).click();
    const confirm = page.getByRole('dialog', { name: 'Delete token “epsilon-ci”?' });
    await confirm.getByRole('button', { name: 'Delete token' }).click();
    await confirm.waitFor({ state: 'detached' });
    await page.getByText('The token “epsilon-ci” has been deleted and can no longer be used.').waitFor();
    await page.locator('.page-head').getByText('Revoked', { exact: true }).waitFor();

    const main = page.getByRole('main');
    expect(await main.getByLabel('Name', { exact: true }).count()).toBe(0);
    expect(await main.getByLabel('Description', { exact: true }).count()).toBe(0);
    expect(await main.getByRole('switch').count()).toBe(0);
    expect(await main.getByRole('button', { name: /Delete token|Update details/ }).count()).toBe(0);
    expect(await page.getByRole('region', { name: 'Status' }).textContent()).toContain(
      'This token is revoked',
    );
    expect(await page.getByRole('term').allTextContents()).toContain('Revoked');

    // Back on the list and back again: the deletion message was for that moment only.
    await page.getByRole('link', { name: 'Back to token list' }).click();
    await page.getByRole('heading', { level: 1, name: 'Tokens' }).waitFor();
    await page.goBack();
    await page.getByRole('heading', { level: 1, name: 'epsilon-ci' }).waitFor();
    expect(await page.getByText('has been deleted').count()).toBe(0);
  });

  it('shows the list as cards at 390 px, each switch beside its token, without sideways scrolling', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto('/tokens?status=active,inactive,expired,revoked');
    await rowOf('alpha-deploy').waitFor();
    for (const row of await list()
      .getByRole('row')
      .filter({ has: page.getByRole('rowheader') })
      .all()) {
      expect(await row.evaluate(displayOf)).toBe('grid');
      const name = row.getByRole('rowheader').getByRole('link');
      const nameBox = await name.boundingBox();
      const switchBox = await row.getByRole('switch', { name: 'Active' }).boundingBox();
      expect(nameBox && switchBox).toBeTruthy();
      if (!nameBox || !switchBox) continue;
      // On the same line as the name, and inside the screen.
      expect(switchBox.y).toBeLessThan(nameBox.y + nameBox.height);
      expect(switchBox.y + switchBox.height).toBeGreaterThan(nameBox.y);
      expect(switchBox.x + switchBox.width).toBeLessThanOrEqual(390);
    }
    const fits = await page.evaluate('document.documentElement.scrollWidth <= window.innerWidth');
    expect(fits).toBe(true);
    await screenshot(page, 'tokens-390-light');
    await screenshot(page, 'tokens-390-light-screen', { fullPage: false });
    await page.emulateMedia({ colorScheme: 'dark' });
    await screenshot(page, 'tokens-390-dark');
    await screenshot(page, 'tokens-390-dark-screen', { fullPage: false });

    await page.setViewportSize({ width: 1280, height: 800 });
    expect(await rowOf('alpha-deploy').evaluate(displayOf)).toBe('table-row');
    await screenshot(page, 'tokens-desktop-dark');
    await page.emulateMedia({ colorScheme: 'light' });
    await screenshot(page, 'tokens-desktop-light');
  });

  it('logged no console errors or warnings and no uncaught errors along the way', () => {
    expect(app.problems).toEqual([]);
  });
});
