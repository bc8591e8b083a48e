import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SeededAccount, startTestServer, type TestServer } from '../helpers/harness.js';
import {
  type App,
  expectFocused,
  expectReadable,
  fieldError,
  launchBrowser,
  openLoggedIn,
  screenshot,
  whoami,
} from './browser.js';

/** The page scrolls no wider than its viewport. */
async function expectNoSidewaysScroll(page: Page): Promise<void> {
  const width = page.viewportSize()?.width ?? 0;
  expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(width);
}

/** Desktop and 390 px screenshots of the page as it is, light and dark, with no sideways scrolling. */
async function screens(page: Page, name: string): Promise<void> {
  for (const colorScheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme });
    await page.setViewportSize({ width: 1280, height: 900 });
    await screenshot(page, `${name}-desktop-${colorScheme}`);
    await page.setViewportSize({ width: 390, height: 844 });
    await expectNoSidewaysScroll(page);
    await screenshot(page, `${name}-390-${colorScheme}`);
  }
  await page.emulateMedia({ colorScheme: 'light' });
  await page.setViewportSize({ width: 1280, height: 800 });
}

type Created = { id: string; secret: string };

/**
 * An organization's token list (the personal list's components, creating with its
 * organizationId, the policy's refusals on their field), its policy page (owners edit, others
 * read) and its inventory (the organization's and the members' personal tokens, owner, policy
 * badges, Revoke with confirmation). Steps in order, one organization.
 */
describe('organization tokens, policy and inventory', () => {
  let server: TestServer;
  let browser: Browser;
  let owner: SeededAccount;
  let adminUser: SeededAccount;
  let memberUser: SeededAccount;
  let ownerCookie: string;
  let memberCookie: string;
  let organizationId: string;
  let memberToken: Created;
  let ownerApp: App;
  let page: Page;
  const apps: App[] = [];

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

  const open = async (account: SeededAccount): Promise<App> => {
    const app = await openLoggedIn(browser, server, account);
    apps.push(app);
    return app;
  };

  const tokenTable = (on: Page): Locator => on.getByRole('table', { name: 'API tokens of Acme Labs' });
  const inventory = (on: Page): Locator => on.getByRole('table', { name: 'Tokens that reach Acme Labs' });

  beforeAll(async () => {
    server = await startTestServer();
    owner = await server.seedAccount({ name: 'Olivia Owner', email: 'olivia@example.com', plan: 'team' });
    adminUser = await server.seedAccount({ name: 'Adam Admin', email: 'adam@example.com' });
    memberUser = await server.seedAccount({ name: 'Mia Member', email: 'mia@example.com' });
    ownerCookie = await server.login(owner.email, owner.password);
    memberCookie = await server.login(memberUser.email, memberUser.password);
    const created = await gqlAs<{ createOrganization: { id: string } }>(
      ownerCookie,
      'mutation { createOrganization(input: { name: "Acme Labs", slug: "acme-labs" }) { id } }',
    );
    organizationId = created.createOrganization.id;
    for (const [account, role] of [
      [adminUser, 'ADMIN'],
      [memberUser, 'MEMBER'],
    ] as const) {
      await gqlAs(
        ownerCookie,
        'mutation($input: AddOrganizationMemberInput!) { addOrganizationMember(input: $input) { role } }',
        { input: { organizationId, email: account.email, role } },
      );
    }
    // Before any policy: an organization token that never expires, and a member's personal token.
    await createToken(ownerCookie, { name: 'legacy-ci', preset: 'ALL', organizationId });
    memberToken = await createToken(memberCookie, { name: 'mia-laptop', preset: 'ALL' });
    browser = await launchBrowser();
    ownerApp = await open(owner);
    page = ownerApp.page;
  });

  afterAll(async () => {
    for (const app of apps) await app.context.close();
    await browser?.close();
    await server?.close();
  });

  it('leads owners and admins to the organization’s tokens, in the personal list’s components', async () => {
    await page.goto('/orgs/acme-labs');
    await page.waitForURL('**/orgs/acme-labs/tokens');
    const sections = page.getByRole('navigation', { name: 'Organization sections' });
    expect(await sections.getByRole('link').allTextContents()).toEqual([
      'Tokens',
      'Members',
      'Inventory',
      'Policy',
    ]);
    await tokenTable(page).getByRole('link', { name: 'legacy-ci' }).waitFor();
    // The personal list does not show it, and the organization's does not show personal tokens.
    await page.goto('/tokens');
    await page.getByRole('heading', { level: 2, name: 'You have no tokens yet' }).waitFor();
    await page.goto('/orgs/acme-labs/tokens?status=active,revoked&q=legacy');
    await tokenTable(page).getByRole('link', { name: 'legacy-ci' }).waitFor();
    expect(await page.getByLabel('Search tokens').inputValue()).toBe('legacy');
  });

  it('lets an owner set the policy, with the server’s objections on their field', async () => {
    await page
      .getByRole('navigation', { name: 'Organization sections' })
      .getByRole('link', { name: 'Policy' })
      .click();
    await page.waitForURL('**/orgs/acme-labs/policy');
    const lifetime = page.getByLabel('Maximum lifetime (days)');
    const inactivity = page.getByLabel('Deactivate unused tokens after (days)');
    const presets = page.getByRole('group', { name: 'Allowed presets' });
    const save = page.getByRole('button', { name: 'Save policy' });

    await lifetime.fill('0');
    await save.click();
    expectReadable(await fieldError(lifetime));
    await expectFocused(lifetime);

    await lifetime.fill('30');
    await page.getByLabel('Require an expiry').check();
    for (const label of ['All permissions', 'CLI developer permissions', 'Custom', 'Read only'])
      await presets.getByLabel(label, { exact: true }).uncheck();
    await save.click();
    expect(await fieldError(presets.getByLabel('Read only', { exact: true }))).toBe(
      'Allow at least one preset.',
    );
    await presets.getByLabel('Read only', { exact: true }).check();
    await presets.getByLabel('CLI developer permissions', { exact: true }).check();

    await inactivity.fill('10');
    await save.click();
    expectReadable(await fieldError(inactivity));
    await inactivity.fill('90');
    await save.click();
    await page.getByRole('status').filter({ hasText: 'The policy is saved.' }).waitFor();
    const saved = await gqlAs<{ organization: { policy: Record<string, unknown> } }>(
      memberCookie,
      '{ organization(slug: "acme-labs") { policy { maxLifetimeDays requireExpiry allowedPresets deactivateAfterDays expiryReminders } } }',
    );
    expect(saved.organization.policy).toEqual({
      maxLifetimeDays: 30,
      requireExpiry: true,
      allowedPresets: ['READ_ONLY', 'CLI'],
      deactivateAfterDays: 90,
      expiryReminders: true,
    });
    await screens(page, 'org-policy-owner');
  });

  it('shows the policy read-only to a member, without the tokens and the inventory', async () => {
    const member = await open(memberUser);
    const on = member.page;
    await on.goto('/orgs/acme-labs');
    await on.waitForURL('**/orgs/acme-labs/members');
    const sections = on.getByRole('navigation', { name: 'Organization sections' });
    expect(await sections.getByRole('link').allTextContents()).toEqual(['Members', 'Policy']);
    await sections.getByRole('link', { name: 'Policy' }).click();
    const summary = on.getByRole('region', { name: 'Current policy' });
    await summary.waitFor();
    expect(await summary.textContent()).toContain('30 days');
    expect(await summary.textContent()).toContain('Read only or CLI developer permissions');
    expect(await on.getByRole('button', { name: 'Save policy' }).count()).toBe(0);
    expect(await on.getByLabel('Maximum lifetime (days)').count()).toBe(0);
    await screens(on, 'org-policy-member');

    await on.goto('/orgs/acme-labs/tokens');
    await on.getByText('Only owners and admins of Acme Labs see this page').waitFor();
    await on.goto('/orgs/acme-labs/inventory');
    await on.getByText('Only owners and admins of Acme Labs see this page').waitFor();
    expect(member.problems).toEqual([]);
  });

  it('creates an organization token; the policy’s refusals name the rule on the field', async () => {
    await page.goto('/orgs/acme-labs/tokens');
    await page.getByRole('button', { name: 'New token' }).click();
    const dialog = page.getByRole('dialog', { name: 'New token for Acme Labs' });
    await dialog
      .getByText('The policy of Acme Labs: its tokens must expire within 30 days and use Read only or CLI')
      .waitFor();
    await dialog.getByLabel('Name', { exact: true }).fill('deploy-bot');
    const expiry = dialog.getByLabel('Expiration date and time');
    const create = dialog.getByRole('button', { name: 'Create token' });

    await dialog.getByLabel('Never expires').check();
    await create.click();
    expect(await fieldError(expiry)).toBe(
      "The organization's policy requires an expiry: set expiresInDays or expiresAt.",
    );

    await dialog.getByLabel('60 days').check();
    await create.click();
    expect(await fieldError(expiry)).toBe(
      "The organization's policy allows tokens to live at most 30 days: choose an earlier expiry.",
    );

    await dialog.getByLabel('30 days').check();
    await dialog.getByLabel('All permissions', { exact: true }).check();
    await create.click();
    const permissions = dialog.getByRole('group', { name: 'Permissions' });
    await permissions
      .locator('.field-error')
      .filter({ hasText: "The organization's policy allows only the presets READ_ONLY, CLI." })
      .waitFor();
    await screenshot(page, 'org-token-policy-refusal');

    await dialog.getByLabel('Read only', { exact: true }).check();
    await create.click();
    const reveal = page.getByRole('dialog', { name: 'Copy your new token' });
    const secret = await reveal.getByLabel('Token secret').inputValue();
    await reveal.getByLabel('I have copied my token to a safe place').check();
    await reveal.getByRole('button', { name: 'Close' }).click();
    // The organization's token works, as the organization's.
    expect((await whoami(server, secret)).status).toBe(200);
    await tokenTable(page).getByRole('link', { name: 'deploy-bot' }).waitFor();
    const listed = await gqlAs<{
      organization: {
        tokens: { edges: { node: { name: string; organization: { slug: string } | null } }[] };
      };
    }>(
      ownerCookie,
      '{ organization(slug: "acme-labs") { tokens { edges { node { name organization { slug } } } } } }',
    );
    expect(listed.organization.tokens.edges.map((edge) => edge.node)).toContainEqual({
      name: 'deploy-bot',
      organization: { slug: 'acme-labs' },
    });
    await screens(page, 'org-tokens-owner');

    // Its page says whose it is and leads back to the organization's list.
    await tokenTable(page).getByRole('link', { name: 'deploy-bot' }).click();
    await page.getByRole('heading', { level: 1, name: 'deploy-bot' }).waitFor();
    expect(await page.locator('.facts').first().textContent()).toContain(
      'OrganizationAcme Labs (an organization token',
    );
    await page.getByRole('link', { name: 'Back to the tokens of Acme Labs' }).click();
    await page.waitForURL('**/orgs/acme-labs/tokens');
  });

  it('lists every token that reaches the organization, with owner and policy, and revokes one', async () => {
    await page
      .getByRole('navigation', { name: 'Organization sections' })
      .getByRole('link', { name: 'Inventory' })
      .click();
    await page.waitForURL('**/orgs/acme-labs/inventory');
    const table = inventory(page);
    const rowOf = (name: string) => table.getByRole('row').filter({ hasText: name });
    await rowOf('mia-laptop').waitFor();
    expect(await rowOf('mia-laptop').textContent()).toContain('Mia Member');
    expect(await rowOf('mia-laptop').textContent()).toContain(memberUser.email);
    expect(await rowOf('legacy-ci').textContent()).toContain('Organization token');
    // The organization's token from before the policy breaks all three rules; the new one none.
    const legacyPolicy = rowOf('legacy-ci').getByRole('list', { name: 'Out of policy' });
    expect(await legacyPolicy.getByRole('listitem').allTextContents()).toEqual([
      'No expiry',
      'Lives too long',
      'Preset not allowed',
    ]);
    expect(await rowOf('deploy-bot').textContent()).toContain('Within policy');
    await screens(page, 'org-inventory');

    await page.getByRole('button', { name: 'Revoke mia-laptop' }).click();
    const dialog = page.getByRole('dialog', { name: 'Revoke token “mia-laptop”?' });
    expect(await dialog.textContent()).toContain('Mia Member (mia@example.com)');
    expect(await dialog.textContent()).toContain('its owner is told by mail');
    await expectFocused(dialog.getByRole('button', { name: 'Cancel' }));
    await dialog.getByRole('button', { name: 'Revoke token' }).click();
    await page.getByRole('status').filter({ hasText: 'Revoked “mia-laptop”' }).waitFor();
    expect((await whoami(server, memberToken.secret)).status).toBe(401);
    expect(ownerApp.problems).toEqual([]);
  });
});
