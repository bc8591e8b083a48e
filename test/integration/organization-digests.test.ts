/**
 * Organization tokens in the daily jobs: the expiry-reminder digest and the inactivity job treat
 * an organization as an owner of its own — its setting, its tokens, mailed to its owners and admins
 * (verified emails only), once per organization per day — and an account's digest lists only its
 * personal tokens. Organizations, memberships and organization tokens are set up in SQL here: the
 * jobs read the database only.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/harness.js';

const CREATE = 'mutation($input: CreateTokenInput!) { createToken(input: $input) { token { id } secret } }';

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server?.close());

interface Person {
  id: string;
  email: string;
  cookie: string;
}

async function person(options: { verified?: boolean } = {}): Promise<Person> {
  const { account, email, password } = await server.seedAccount({ plan: 'team' });
  const cookie = await server.login(email, password);
  if (options.verified === false)
    await server.sql('update account set email_verified = false where id = $1', [account.id]);
  return { id: account.id, email, cookie };
}

/** An organization with these members, in SQL; returns its id and name. */
async function organization(
  members: [Person, 'OWNER' | 'ADMIN' | 'MEMBER'][],
): Promise<{ id: string; name: string }> {
  const id = randomUUID();
  const name = `Org ${randomBytes(3).toString('hex')}`;
  await server.sql('insert into organization (id, slug, name) values ($1, $2, $3)', [
    id,
    `org-${randomBytes(4).toString('hex')}`,
    name,
  ]);
  for (const [member, role] of members)
    await server.sql(
      'insert into organization_member (organization_id, account_id, role) values ($1, $2, $3)',
      [id, member.id, role],
    );
  return { id, name };
}

/** A token made by `creator`, then given to `organizationId` (or kept personal) in SQL. */
async function token(creator: Person, name: string, organizationId: string | null): Promise<string> {
  const response = await server.gql<{ createToken: { token: { id: string } } }>(
    CREATE,
    { input: { name, preset: 'READ_ONLY', expiresInDays: 30 } },
    { cookie: creator.cookie },
  );
  const id = response.body.data?.createToken.token.id;
  if (!id) throw new Error(JSON.stringify(response.body));
  await server.sql('update api_token set organization_id = $2 where id = $1', [id, organizationId]);
  return id;
}

async function deliveredTo(email: string, kind: string) {
  await server.lastMail(email, kind);
  return server.mails.filter((mail) => mail.to === email && mail.kind === kind);
}

describe('expiry reminders for organization tokens', () => {
  it("mail the organization's owners and admins (verified), not its members nor the creator's own digest, once a day", async () => {
    const [owner, admin, member, unverifiedAdmin] = [
      await person(),
      await person(),
      await person(),
      await person({ verified: false }),
    ];
    const org = await organization([
      [owner, 'OWNER'],
      [admin, 'ADMIN'],
      [member, 'MEMBER'],
      [unverifiedAdmin, 'ADMIN'],
    ]);
    const orgToken = await token(member, 'deploy bot', org.id);
    const personal = await token(member, 'my laptop', null);
    await server.sql(
      "update api_token set expires_at = now() + interval '2 days' where id = any($1::uuid[])",
      [[orgToken, personal]],
    );

    await server.keyward.services.jobs.runNow('expiry-reminders');
    await server.keyward.services.jobs.runNow('expiry-reminders');

    for (const reader of [owner, admin]) {
      const mails = await deliveredTo(reader.email, 'expiry_reminder');
      expect(mails).toHaveLength(1);
      expect(mails[0]!.subject).toBe(`A Keyward token of ${org.name} expires soon`);
      expect(mails[0]!.text).toContain('deploy bot');
      expect(mails[0]!.text).toContain(`/tokens/${orgToken}?rotate=1`);
      expect(mails[0]!.text).not.toContain('my laptop');
    }
    expect(await deliveredTo(unverifiedAdmin.email, 'expiry_reminder')).toEqual([]);
    // The creator's own digest lists their personal token only.
    const own = await deliveredTo(member.email, 'expiry_reminder');
    expect(own).toHaveLength(1);
    expect(own[0]!.text).toContain('my laptop');
    expect(own[0]!.text).not.toContain('deploy bot');
    expect(await server.sql('select owner_type from digest_sent where owner_id = $1', [org.id])).toEqual([
      { owner_type: 'organization' },
    ]);
  });

  it("the organization's switch turns its digest off", async () => {
    const owner = await person();
    const org = await organization([[owner, 'OWNER']]);
    const orgToken = await token(owner, 'quiet bot', org.id);
    await server.sql("update api_token set expires_at = now() + interval '2 days' where id = $1", [orgToken]);
    await server.sql('update organization set expiry_reminders = false where id = $1', [org.id]);
    await server.keyward.services.jobs.runNow('expiry-reminders');
    expect(await deliveredTo(owner.email, 'expiry_reminder')).toEqual([]);
  });
});

describe('inactivity for organization tokens', () => {
  it("follows the organization's deactivateAfterDays, not the creator's, and mails its owners and admins", async () => {
    const [owner, admin, creator] = [await person(), await person(), await person()];
    const org = await organization([
      [owner, 'OWNER'],
      [admin, 'ADMIN'],
      [creator, 'MEMBER'],
    ]);
    const stale = await token(creator, 'stale bot', org.id);
    const fresh = await token(creator, 'fresh bot', org.id);
    const personal = await token(creator, 'stale laptop', null);
    await server.sql(
      "update api_token set created_at = now() - interval '100 days', updated_at = now() - interval '100 days' where id = any($1::uuid[])",
      [[stale, personal]],
    );
    // The creator's own setting does not reach the organization's tokens; the organization's does.
    await server.sql('update account set deactivate_after_days = null where id = $1', [creator.id]);
    await server.sql('update organization set deactivate_after_days = 90 where id = $1', [org.id]);

    await server.keyward.services.jobs.runNow('inactivity');

    const rows = await server.sql<{ id: string; active: boolean }>(
      'select id, active from api_token where id = any($1::uuid[]) order by name',
      [[stale, fresh, personal]],
    );
    expect(Object.fromEntries(rows.map((row) => [row.id, row.active]))).toEqual({
      [stale]: false,
      [fresh]: true,
      [personal]: true,
    });
    for (const reader of [owner, admin]) {
      const [mail, ...more] = await deliveredTo(reader.email, 'tokens_deactivated');
      expect(more).toEqual([]);
      expect(mail!.subject).toBe(`A Keyward token of ${org.name} was deactivated after inactivity`);
      expect(mail!.text).toContain('stale bot');
    }
    expect(await deliveredTo(creator.email, 'tokens_deactivated')).toEqual([]);
    const [event] = await server.sql<{ actor_type: string; detail: string }>(
      "select actor_type, detail from audit_event where target_id = $1 and action = 'token.deactivate'",
      [stale],
    );
    expect(event).toEqual({ actor_type: 'system', detail: 'inactivity' });
  });
});
