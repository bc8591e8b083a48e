import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SeededAccount, startTestServer, type TestServer } from '../helpers/harness.js';
import { type App, expectFocused, fieldError, launchBrowser, openLoggedIn, screenshot } from './browser.js';

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

/**
 * The organization switcher, the organizations page (creating one on the team plan, the plan's
 * refusal otherwise) and the members page as an owner, an admin and a member: adding by email,
 * roles, removing, leaving, and the last owner's refusal. Steps in order, one organization.
 */
describe('organization pages', () => {
  let server: TestServer;
  let browser: Browser;
  let siteAdmin: SeededAccount;
  let owner: SeededAccount;
  let adminUser: SeededAccount;
  let memberUser: SeededAccount;
  let otherUser: SeededAccount;
  let ownerApp: App;
  let page: Page;
  const apps: App[] = [];

  const switcher = (on: Page): Locator => on.getByRole('button', { name: /^Organization:/ });
  const members = (on: Page): Locator => on.getByRole('table', { name: 'Members of Acme Labs' });
  const rowOf = (on: Page, email: string): Locator => members(on).getByRole('row').filter({ hasText: email });

  /** Sets an account's plan as a site admin would. */
  const setPlan = async (accountId: string, plan: 'FREE' | 'TEAM'): Promise<void> => {
    const cookie = await server.login(siteAdmin.email, siteAdmin.password);
    const answer = await server.gql(
      'mutation($input: AdminSetAccountPlanInput!) { adminSetAccountPlan(input: $input) { plan } }',
      { input: { accountId, plan } },
      { cookie },
    );
    expect(answer.body.errors).toBeUndefined();
  };

  const open = async (account: SeededAccount): Promise<App> => {
    const app = await openLoggedIn(browser, server, account);
    apps.push(app);
    return app;
  };

  beforeAll(async () => {
    server = await startTestServer();
    siteAdmin = await server.seedAccount({ name: 'Site Admin', role: 'admin' });
    owner = await server.seedAccount({ name: 'Olivia Owner', email: 'olivia@example.com', plan: 'team' });
    adminUser = await server.seedAccount({ name: 'Adam Admin', email: 'adam@example.com' });
    memberUser = await server.seedAccount({ name: 'Mia Member', email: 'mia@example.com' });
    otherUser = await server.seedAccount({ name: 'Max Other', email: 'max@example.com' });
    // Someone else's organization holds the slug the owner will try first.
    const rival = await server.seedAccount({ name: 'Rita Rival', plan: 'team' });
    const answer = await server.gql(
      'mutation { createOrganization(input: { name: "Taken", slug: "taken-slug" }) { id } }',
      {},
      { cookie: await server.login(rival.email, rival.password) },
    );
    expect(answer.body.errors).toBeUndefined();
    browser = await launchBrowser();
    ownerApp = await open(owner);
    page = ownerApp.page;
  });

  afterAll(async () => {
    for (const app of apps) await app.context.close();
    await browser?.close();
    await server?.close();
  });

  it('switches between Personal and the organizations from the header, closed by Escape', async () => {
    const button = switcher(page);
    expect(await button.textContent()).toContain('Personal');
    expect(await button.getAttribute('aria-expanded')).toBe('false');
    await button.click();
    expect(await button.getAttribute('aria-expanded')).toBe('true');
    const popup = page.locator('.org-switcher-popup');
    expect(await popup.getByRole('link').allTextContents()).toEqual([
      'PersonalYour own tokens',
      'All organizations',
      'New organization',
    ]);
    await page.keyboard.press('Escape');
    expect(await button.getAttribute('aria-expanded')).toBe('false');
    await expectFocused(button);
    expect(await popup.isVisible()).toBe(false);
  });

  it('creates an organization on the team plan, with the server’s refusals on the fields', async () => {
    await switcher(page).click();
    await page.getByRole('link', { name: 'New organization' }).click();
    await page.waitForURL('**/orgs#new-organization');
    const form = page.getByRole('region', { name: 'New organization' });
    const name = form.getByLabel('Name', { exact: true });
    const slug = form.getByLabel('Slug', { exact: true });
    const create = form.getByRole('button', { name: 'Create organization' });

    await create.click();
    expect(await fieldError(name)).toBe('Enter the organization’s name.');
    await expectFocused(name);

    // The slug follows the name until it is edited.
    await name.fill('Acme Labs');
    expect(await slug.inputValue()).toBe('acme-labs');
    await slug.fill('-Bad Slug');
    await create.click();
    expect(await fieldError(slug)).toMatch(/^Use 3–40 lowercase letters, digits and hyphens/);
    await expectFocused(slug);
    await name.fill('Acme Labs!');
    expect(await slug.inputValue()).toBe('-Bad Slug');

    await slug.fill('taken-slug');
    await create.click();
    expect(await fieldError(slug)).toBe('"taken-slug" is taken; choose another.');

    await name.fill('Acme Labs');
    await slug.fill('acme-labs');
    await create.click();
    await page.waitForURL('**/orgs/acme-labs/members');
    await page.getByRole('heading', { level: 1, name: 'Acme Labs' }).waitFor();
    expect(await switcher(page).textContent()).toContain('Acme Labs');
    await members(page).waitFor();
    const ownRow = rowOf(page, owner.email);
    expect(await ownRow.getByRole('cell').nth(2).textContent()).toBe('Owner');
    expect(await ownRow.textContent()).toContain('You');
    expect(await page.title()).toBe('Members · Acme Labs · Keyward');
  });

  it('adds members by email with a role; an unknown or existing member is refused on Email', async () => {
    const form = page.getByRole('region', { name: 'Add member' });
    const email = form.getByLabel('Email', { exact: true });
    const role = form.getByLabel('Role', { exact: true });
    const add = form.getByRole('button', { name: 'Add member' });
    // An owner may give every role.
    expect(await role.locator('option').allTextContents()).toEqual(['Owner', 'Admin', 'Member']);

    await add.click();
    expect(await fieldError(email)).toBe('Enter the email of the account to add.');

    await email.fill('nobody@example.com');
    await add.click();
    expect(await fieldError(email)).toBe('No account has this email address: they need to register first.');
    await expectFocused(email);

    await email.fill(adminUser.email);
    await role.selectOption('ADMIN');
    await add.click();
    await page
      .getByRole('status')
      .filter({ hasText: `Added ${adminUser.email} as admin.` })
      .waitFor();
    expect(await email.inputValue()).toBe('');
    await expect
      .poll(() => rowOf(page, adminUser.email).getByRole('cell').nth(2).textContent())
      .toBe('Admin');

    for (const account of [memberUser, otherUser]) {
      await email.fill(account.email);
      await add.click();
      await page
        .getByRole('status')
        .filter({ hasText: `Added ${account.email} as member.` })
        .waitFor();
    }
    await expect.poll(() => members(page).getByRole('row').count()).toBe(5);

    await email.fill(memberUser.email);
    await add.click();
    expect(await fieldError(email)).toBe(
      'That account is already a member (MEMBER); change its role instead.',
    );
    // Owners first, then admins, then members, by email.
    const emails = await members(page).locator('tbody .cell-email').allTextContents();
    expect(emails).toEqual([owner.email, adminUser.email, otherUser.email, memberUser.email]);
  });

  it('refuses to take away the last owner, in the role dialog and when leaving', async () => {
    await page.getByRole('button', { name: `Change role of ${owner.email}` }).click();
    const dialog = page.getByRole('dialog', { name: 'Change your role' });
    await dialog.getByLabel('Member', { exact: true }).check();
    await dialog.getByRole('button', { name: 'Save role' }).click();
    const checked = dialog.getByLabel('Member', { exact: true });
    expect(await fieldError(checked)).toBe(
      'An organization keeps at least one owner: make another member an owner before you demote this one.',
    );
    await expectFocused(checked);
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    expect(await rowOf(page, owner.email).getByRole('cell').nth(2).textContent()).toBe('Owner');

    await page.getByRole('button', { name: 'Leave Acme Labs' }).click();
    const leave = page.getByRole('dialog', { name: 'Leave Acme Labs?' });
    // Cancel first: Enter never leaves by accident.
    await expectFocused(leave.getByRole('button', { name: 'Cancel' }));
    await leave.getByRole('button', { name: 'Leave organization' }).click();
    await leave.getByRole('alert').filter({ hasText: 'An organization keeps at least one owner' }).waitFor();
    await screenshot(page, 'org-leave-refused');
    await leave.getByRole('button', { name: 'Cancel' }).click();
    const [membership] = await server.sql<{ role: string }>(
      `select m.role from organization_member m join account a on a.id = m.account_id where a.email = $1`,
      [owner.email],
    );
    expect(membership?.role).toBe('OWNER');
  });

  it('changes a member’s role', async () => {
    await page.getByRole('button', { name: `Change role of ${otherUser.email}` }).click();
    const dialog = page.getByRole('dialog', { name: `Change the role of ${otherUser.email}` });
    await dialog.getByLabel('Admin', { exact: true }).check();
    await dialog.getByRole('button', { name: 'Save role' }).click();
    await page
      .getByRole('status')
      .filter({ hasText: `${otherUser.email} is now admin.` })
      .waitFor();
    await expect
      .poll(() => rowOf(page, otherUser.email).getByRole('cell').nth(2).textContent())
      .toBe('Admin');
  });

  it('shows the members page at 390 px and on the desktop, light and dark', async () => {
    await screens(page, 'org-members-owner');
    await page.setViewportSize({ width: 390, height: 844 });
    await switcher(page).click();
    // The list opens within the phone's width.
    await expectNoSidewaysScroll(page);
    const box = await page.locator('.org-switcher-popup').boundingBox();
    expect((box?.x ?? -1) >= 0 && (box?.x ?? 0) + (box?.width ?? 0) <= 390).toBe(true);
    await screenshot(page, 'org-switcher-open-390', { fullPage: false });
    await page.keyboard.press('Escape');
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  it('lets an admin manage members and admins but not owners, nor give the Owner role', async () => {
    const admin = await open(adminUser);
    const on = admin.page;
    await switcher(on).click();
    await on.getByRole('link', { name: /^Acme Labs/ }).click();
    // Owners and admins start on the organization's tokens.
    await on.waitForURL('**/orgs/acme-labs/tokens');
    await on
      .getByRole('navigation', { name: 'Organization sections' })
      .getByRole('link', { name: 'Members' })
      .click();
    await on.waitForURL('**/orgs/acme-labs/members');
    await members(on).waitFor();
    const role = on.getByRole('region', { name: 'Add member' }).getByLabel('Role', { exact: true });
    expect(await role.locator('option').allTextContents()).toEqual(['Admin', 'Member']);
    expect(await on.getByRole('button', { name: `Change role of ${owner.email}` }).count()).toBe(0);
    expect(await on.getByRole('button', { name: `Remove ${owner.email}` }).count()).toBe(0);

    await on.getByRole('button', { name: `Remove ${otherUser.email}` }).click();
    const dialog = on.getByRole('dialog', { name: `Remove ${otherUser.email} from Acme Labs?` });
    await dialog.getByRole('button', { name: 'Remove member' }).click();
    await on
      .getByRole('status')
      .filter({ hasText: `Removed ${otherUser.email} from Acme Labs.` })
      .waitFor();
    await expect.poll(() => rowOf(on, otherUser.email).count()).toBe(0);
    expect(admin.problems).toEqual([]);
  });

  it('shows a member the list read-only; leaving takes them out of the organization’s pages', async () => {
    const member = await open(memberUser);
    const on = member.page;
    await on.goto('/orgs/acme-labs');
    await on.waitForURL('**/orgs/acme-labs/members');
    await members(on).waitFor();
    expect(await on.getByRole('region', { name: 'Add member' }).count()).toBe(0);
    expect(await on.getByRole('button', { name: /^Change role of/ }).count()).toBe(0);
    expect(await on.getByRole('button', { name: /^Remove / }).count()).toBe(0);
    await screens(on, 'org-members-member');

    await on.getByRole('button', { name: 'Leave Acme Labs' }).click();
    await on
      .getByRole('dialog', { name: 'Leave Acme Labs?' })
      .getByRole('button', { name: 'Leave organization' })
      .click();
    await on.waitForURL('**/orgs?left=Acme+Labs');
    await on.getByRole('status').filter({ hasText: 'You left Acme Labs.' }).waitFor();
    await on.getByText('You are not a member of any organization yet.').waitFor();
    await switcher(on).click();
    expect(
      await on
        .locator('.org-switcher-popup')
        .getByRole('link', { name: /Acme Labs/ })
        .count(),
    ).toBe(0);

    await on.goto('/orgs/acme-labs/members');
    await on.getByRole('heading', { level: 1, name: 'Organization not found' }).waitFor();
    expect(member.problems).toEqual([]);
  });

  it('explains the plan refusal to accounts without the team plan', async () => {
    // The form was shown on the team plan; the plan changed before it was sent: the server's refusal.
    await page.goto('/orgs');
    const form = page.getByRole('region', { name: 'New organization' });
    await form.getByLabel('Name', { exact: true }).fill('Second Org');
    await setPlan(owner.account.id, 'FREE');
    await form.getByRole('button', { name: 'Create organization' }).click();
    const alert = form.getByRole('alert');
    expect(await alert.textContent()).toBe(
      'Creating an organization needs the team plan; this account is on the free plan.',
    );

    // Loaded on another plan, the page says so instead of offering the form.
    const free = await open(otherUser);
    await free.page.goto('/orgs');
    const notice = free.page.getByRole('region', { name: 'New organization' });
    await notice.getByText('Organizations need the Team plan.').waitFor();
    expect(await notice.textContent()).toContain('This account is on the Free plan');
    expect(await notice.getByRole('button', { name: 'Create organization' }).count()).toBe(0);
    await screens(free.page, 'org-plan-refusal');
    expect(free.problems).toEqual([]);
    // A plan refusal is HTTP 403, which the browser reports for the request; nothing else went wrong.
    expect(ownerApp.problems).toEqual([
      expect.stringMatching(
        /^console\.error: Failed to load resource: the server responded with a status of 403 .*\/graphql/,
      ),
    ]);
  });
});
