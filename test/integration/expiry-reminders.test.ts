/**
 * The daily expiry-reminder digest (job `expiry-reminders`), run through the real queue on one
 * instance: windows (7 days, 1 day) with expiry instants set in SQL, one mail per account per day,
 * no mail when nothing is due, opt-out per token and per account, the settings API.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OutgoingMail } from '../../server/src/mail/mail.service.js';
import { startTestServer, type TestServer } from '../helpers/harness.js';

const CREATE = 'mutation($input: CreateTokenInput!) { createToken(input: $input) { token { id } secret } }';
const UPDATE_TOKEN =
  'mutation($id: ID!, $input: UpdateTokenInput!) { updateToken(id: $id, input: $input) { id expiryReminders } }';
const SETTINGS =
  'mutation($input: UpdateAccountSettingsInput!) { updateAccountSettings(input: $input) { settings { deactivateAfterDays expiryReminders } } }';

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server?.close());

interface Owner {
  email: string;
  cookie: string;
  accountId: string;
}

async function owner(): Promise<Owner> {
  const { account, email, password } = await server.seedAccount({ plan: 'team' });
  return { email, cookie: await server.login(email, password), accountId: account.id };
}

/** A token whose expiry is then set in SQL to `expiresIn` from now (a PostgreSQL interval), or none. */
async function token(who: Owner, name: string, expiresIn: string | null): Promise<{ id: string }> {
  const response = await server.gql<{ createToken: { token: { id: string } } }>(
    CREATE,
    { input: { name, preset: 'READ_ONLY', expiresInDays: 30 } },
    { cookie: who.cookie },
  );
  const id = response.body.data?.createToken.token.id;
  if (!id) throw new Error(JSON.stringify(response.body));
  await server.sql(`update api_token set expires_at = now() + $2::interval where id = $1`, [
    id,
    expiresIn ?? '1000 years',
  ]);
  if (expiresIn === null) await server.sql('update api_token set expires_at = null where id = $1', [id]);
  return { id };
}

function runReminders() {
  return server.keyward.services.jobs.runNow('expiry-reminders');
}

/** Delivers what is queued, then every reminder mail `who` received, oldest first. */
async function reminders(who: Owner): Promise<OutgoingMail[]> {
  await server.lastMail(who.email, 'expiry_reminder');
  return server.mails.filter((mail) => mail.to === who.email && mail.kind === 'expiry_reminder');
}

/** The next UTC day, as far as the once-a-day key is concerned. */
async function nextDay(who: Owner): Promise<void> {
  await server.sql('delete from digest_sent where owner_id = $1', [who.accountId]);
}

/** The digest's section for a window: its heading up to the next blank line. */
function section(mail: OutgoingMail, heading: string): string {
  const start = mail.text.indexOf(heading);
  if (start === -1) return '';
  const end = mail.text.indexOf('\n\n', start);
  return mail.text.slice(start, end === -1 ? undefined : end);
}

describe('expiry-reminder digests', () => {
  it('no mail when nothing expires within 7 days, and no once-a-day key is spent', async () => {
    const who = await owner();
    await token(who, 'forever', null);
    await token(who, 'next month', '20 days');
    await token(who, 'eight days', '8 days');
    await runReminders();
    expect(await reminders(who)).toEqual([]);
    expect(await server.sql('select * from digest_sent where owner_id = $1', [who.accountId])).toEqual([]);
  });

  it('one digest lists the 7-day and the 1-day window, each token with its Rotate link, once a day', async () => {
    const who = await owner();
    const week = await token(who, 'deploy key', '5 days');
    const day = await token(who, 'ci runner', '12 hours');
    await token(who, 'later', '10 days');
    const output = await runReminders();
    expect(output).toMatchObject({ mailed: expect.any(Number) });
    const [mail, ...more] = await reminders(who);
    expect(more).toEqual([]);
    expect(mail!.subject).toBe('2 Keyward tokens expire soon');
    const within1 = section(mail!, 'Expiring within 1 day:');
    const within7 = section(mail!, 'Expiring within 7 days:');
    expect(within1).toContain('ci runner');
    expect(within1).toContain(`Rotate: ${server.url}/tokens/${day.id}?rotate=1`);
    expect(within1).not.toContain('deploy key');
    expect(within7).toContain('deploy key');
    expect(within7).toContain(`Rotate: ${server.url}/tokens/${week.id}?rotate=1`);
    expect(within7).not.toContain('ci runner');
    expect(mail!.text).not.toContain('later');
    // The most urgent window comes first.
    expect(mail!.text.indexOf('within 1 day')).toBeLessThan(mail!.text.indexOf('within 7 days'));

    // The same day, the job again (twice): nothing more.
    await runReminders();
    await runReminders();
    expect(await reminders(who)).toHaveLength(1);
  });

  it('a token reminded in the 7-day window is reminded again when it enters the 1-day window, then no more', async () => {
    const who = await owner();
    const soon = await token(who, 'release bot', '6 days');
    await runReminders();
    expect(await reminders(who)).toHaveLength(1);

    // The next day, still within 7 days but not within 1: already reminded for this window.
    await nextDay(who);
    await server.sql(`update api_token set expires_at = now() + interval '5 days' where id = $1`, [soon.id]);
    await runReminders();
    expect(await reminders(who)).toHaveLength(1);

    // Days later it is within 1 day: the second, different reminder.
    await nextDay(who);
    await server.sql(`update api_token set expires_at = now() + interval '20 hours' where id = $1`, [
      soon.id,
    ]);
    await runReminders();
    const mails = await reminders(who);
    expect(mails).toHaveLength(2);
    expect(mails[1]!.subject).toBe('A Keyward token expires soon');
    expect(section(mails[1]!, 'Expiring within 1 day:')).toContain('release bot');
    expect(mails[1]!.text).not.toContain('Expiring within 7 days');

    await nextDay(who);
    await runReminders();
    expect(await reminders(who)).toHaveLength(2);
  });

  it('a token entering a window later the same day waits for the next day: one digest per account per day', async () => {
    const who = await owner();
    await token(who, 'morning', '4 days');
    await runReminders();
    await token(who, 'afternoon', '4 days');
    await runReminders();
    expect(await reminders(who)).toHaveLength(1);
    await nextDay(who);
    await runReminders();
    const mails = await reminders(who);
    expect(mails).toHaveLength(2);
    expect(mails[1]!.text).toContain('afternoon');
    expect(mails[1]!.text).not.toContain('morning');
  });

  it('a token first seen within 1 day gets one reminder, never a later 7-day one', async () => {
    const who = await owner();
    await token(who, 'short lived', '3 hours');
    await runReminders();
    const [mail] = await reminders(who);
    expect(section(mail!, 'Expiring within 1 day:')).toContain('short lived');
    await nextDay(who);
    await runReminders();
    expect(await reminders(who)).toHaveLength(1);
  });

  it('revoked, inactive and expired tokens are not listed', async () => {
    const who = await owner();
    const revoked = await token(who, 'revoked one', '2 days');
    await server.gql(
      'mutation($id: ID!) { revokeToken(id: $id) { id } }',
      { id: revoked.id },
      { cookie: who.cookie },
    );
    const paused = await token(who, 'paused one', '2 days');
    await server.gql(
      'mutation($id: ID!) { setTokenActive(id: $id, active: false) { id } }',
      { id: paused.id },
      { cookie: who.cookie },
    );
    await token(who, 'gone', '-1 hour');
    await runReminders();
    expect(await reminders(who)).toEqual([]);
  });

  it('per token: expiryReminders false leaves the token out (GraphQL updateToken, Token.expiryReminders)', async () => {
    const who = await owner();
    const quiet = await token(who, 'quiet one', '3 days');
    const loud = await token(who, 'loud one', '3 days');
    const off = await server.gql(
      UPDATE_TOKEN,
      { id: quiet.id, input: { expiryReminders: false } },
      { cookie: who.cookie },
    );
    expect(off.body).toEqual({ data: { updateToken: { id: quiet.id, expiryReminders: false } } });
    const read = await server.gql<{ token: { expiryReminders: boolean } }>(
      'query($id: ID!) { token(id: $id) { expiryReminders } }',
      { id: loud.id },
      { cookie: who.cookie },
    );
    expect(read.body.data?.token.expiryReminders).toBe(true);
    await runReminders();
    const [mail] = await reminders(who);
    expect(mail!.text).toContain('loud one');
    expect(mail!.text).not.toContain('quiet one');
    expect(mail!.subject).toBe('A Keyward token expires soon');
  });

  it('per account: expiryReminders false sends nothing; true again sends the digest', async () => {
    const who = await owner();
    await token(who, 'account level', '2 days');
    const off = await server.gql(SETTINGS, { input: { expiryReminders: false } }, { cookie: who.cookie });
    expect(off.body).toEqual({
      data: { updateAccountSettings: { settings: { deactivateAfterDays: null, expiryReminders: false } } },
    });
    await runReminders();
    expect(await reminders(who)).toEqual([]);
    await server.gql(SETTINGS, { input: { expiryReminders: true } }, { cookie: who.cookie });
    await runReminders();
    expect(await reminders(who)).toHaveLength(1);
  });

  it('REST lists expiryReminders on each token', async () => {
    const who = await owner();
    const one = await token(who, 'rest one', '2 days');
    await server.gql(UPDATE_TOKEN, { id: one.id, input: { expiryReminders: false } }, { cookie: who.cookie });
    const response = await server.rest('/api/tokens', { cookie: who.cookie });
    const body = (await response.json()) as { tokens: { id: string; expiryReminders: boolean }[] };
    expect(body.tokens.find((listed) => listed.id === one.id)?.expiryReminders).toBe(false);
  });
});

describe('account settings', () => {
  it('Viewer.settings defaults: inactivity off, reminders on', async () => {
    const who = await owner();
    const response = await server.gql(
      '{ viewer { settings { deactivateAfterDays expiryReminders } } }',
      {},
      {
        cookie: who.cookie,
      },
    );
    expect(response.body).toEqual({
      data: { viewer: { settings: { deactivateAfterDays: null, expiryReminders: true } } },
    });
  });

  it('deactivateAfterDays: 30 and 730 are accepted, null turns it off; each change is audited', async () => {
    const who = await owner();
    for (const days of [30, 730, null]) {
      const response = await server.gql(
        SETTINGS,
        { input: { deactivateAfterDays: days } },
        { cookie: who.cookie },
      );
      expect(response.body).toEqual({
        data: { updateAccountSettings: { settings: { deactivateAfterDays: days, expiryReminders: true } } },
      });
    }
    const events = await server.sql<{ action: string; detail: string }>(
      `select action, detail from audit_event where account_id = $1 and action = 'account.update' order by created_at`,
      [who.accountId],
    );
    expect(events).toEqual(Array(3).fill({ action: 'account.update', detail: 'deactivateAfterDays' }));
  });

  it('deactivateAfterDays out of 30–730 is VALIDATION_FAILED on that field and changes nothing', async () => {
    const who = await owner();
    await server.gql(SETTINGS, { input: { deactivateAfterDays: 90 } }, { cookie: who.cookie });
    for (const days of [29, 731, 0, -30, 100_000]) {
      const response = await server.gql(
        SETTINGS,
        { input: { deactivateAfterDays: days, expiryReminders: false } },
        { cookie: who.cookie },
      );
      expect(response.body.errors?.[0]?.extensions).toMatchObject({
        code: 'VALIDATION_FAILED',
        field: 'deactivateAfterDays',
      });
    }
    const [row] = await server.sql(
      'select deactivate_after_days, expiry_reminders from account where id = $1',
      [who.accountId],
    );
    expect(row).toEqual({ deactivate_after_days: 90, expiry_reminders: true });
  });

  it('a token needs account:update to change settings and account:read to read them', async () => {
    const who = await owner();
    const created = await server.gql<{ createToken: { secret: string } }>(
      CREATE,
      { input: { name: `ro-${randomBytes(2).toString('hex')}`, preset: 'READ_ONLY' } },
      { cookie: who.cookie },
    );
    const secret = created.body.data!.createToken.secret;
    const refused = await server.gql(SETTINGS, { input: { expiryReminders: false } }, { token: secret });
    expect(refused.body.errors?.[0]?.extensions?.code).toBe('INSUFFICIENT_SCOPE');
    const read = await server.gql('{ viewer { settings { expiryReminders } } }', {}, { token: secret });
    expect(read.body).toEqual({ data: { viewer: { settings: { expiryReminders: true } } } });
  });
});
