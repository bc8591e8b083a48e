/**
 * Scheduled jobs on three real instances sharing one database, mail through a local SMTP peer:
 * each daily digest reaches each account exactly once, whichever instances run the job and
 * however often. Also: the schedules are registered in UTC, and a stop drains a running job.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningKeyward } from '../../server/src/boot.js';
import { startFakeSmtp } from '../helpers/fake-smtp.js';
import { bootInstance, startTestServer, type TestServer } from '../helpers/harness.js';

const PUBLIC_URL = 'http://keys.example.test';
const ACCOUNTS = 4;

let smtp: Awaited<ReturnType<typeof startFakeSmtp>>;
let a: TestServer;
let others: RunningKeyward[] = [];
let instances: RunningKeyward[] = [];

beforeAll(async () => {
  smtp = await startFakeSmtp();
  const env = { SMTP_URL: `smtp://127.0.0.1:${smtp.port}`, KEYWARD_PUBLIC_URL: PUBLIC_URL };
  a = await startTestServer(env);
  const databaseUrl = a.keyward.services.config.databaseUrl!;
  others = await Promise.all([1, 2].map(() => bootInstance(databaseUrl, env)));
  instances = [a.keyward, ...others];
});

afterAll(async () => {
  for (const instance of others) await instance.stop();
  await a?.close();
  await smtp?.close();
});

async function seedOwners(
  expiresIn: string,
): Promise<{ email: string; accountId: string; tokenId: string }[]> {
  return Promise.all(
    Array.from({ length: ACCOUNTS }, async () => {
      const { account, email, password } = await a.seedAccount({
        email: `owner-${randomBytes(4).toString('hex')}@example.com`,
      });
      const cookie = await a.login(email, password);
      const created = await a.gql<{ createToken: { token: { id: string } } }>(
        'mutation($input: CreateTokenInput!) { createToken(input: $input) { token { id } } }',
        { input: { name: 'pipeline', preset: 'READ_ONLY', expiresInDays: 30 } },
        { cookie },
      );
      const tokenId = created.body.data!.createToken.token.id;
      await a.sql('update api_token set expires_at = now() + $2::interval where id = $1', [
        tokenId,
        expiresIn,
      ]);
      return { email, accountId: account.id, tokenId };
    }),
  );
}

/** Every instance delivers what is queued, until the SMTP peer has seen nothing new for a while. */
async function deliverAll(): Promise<void> {
  let seen = -1;
  while (seen !== smtp.mails.length) {
    seen = smtp.mails.length;
    await Promise.all(instances.map((instance) => instance.services.mail.kick()));
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

function mailsTo(email: string, subject: RegExp) {
  return smtp.mails.filter((mail) => mail.to.join().includes(email) && subject.test(mail.data));
}

describe('scheduled jobs on three instances', () => {
  it('the schedules are registered once, in UTC (daily, and the rotation sweep every 15 minutes)', async () => {
    const rows = await a.sql('select name, cron, timezone from pgboss.schedule order by name');
    expect(rows).toEqual([
      { name: 'expiry-reminders', cron: '0 8 * * *', timezone: 'UTC' },
      { name: 'inactivity', cron: '0 7 * * *', timezone: 'UTC' },
      { name: 'rotation-grace', cron: '*/15 * * * *', timezone: 'UTC' },
    ]);
  });

  it('expiry reminders triggered twice on each of three instances: exactly one digest per account', async () => {
    const owners = await seedOwners('3 days');
    const runs = await Promise.all(
      instances.flatMap((instance) => [1, 2].map(() => instance.services.jobs.runNow('expiry-reminders'))),
    );
    // Together the six runs mailed each account once.
    expect(runs.reduce((sum, run) => sum + (run.mailed ?? 0), 0)).toBe(ACCOUNTS);
    await deliverAll();
    for (const { email, tokenId } of owners) {
      const mails = mailsTo(email, /Subject: A Keyward token expires soon/);
      expect(mails, email).toHaveLength(1);
      const text = mails[0]!.data.replace(/=\r?\n/g, '').replace(/=3D/g, '=');
      expect(text).toContain(`${PUBLIC_URL}/tokens/${tokenId}?rotate=1`);
    }
    const rows = await a.sql<{ n: number }>(
      `select count(*)::int as n from digest_sent where kind = 'expiry-reminders' and owner_id = any($1::uuid[])`,
      [owners.map((owner) => owner.accountId)],
    );
    expect(rows).toEqual([{ n: ACCOUNTS }]);
  });

  it('inactivity triggered on each of three instances: each token deactivated once, one mail per account', async () => {
    const owners = await seedOwners('300 days');
    for (const { accountId, tokenId } of owners) {
      await a.sql('update account set deactivate_after_days = 30 where id = $1', [accountId]);
      await a.sql(
        "update api_token set created_at = now() - interval '45 days', updated_at = now() - interval '45 days' where id = $1",
        [tokenId],
      );
    }
    const runs = await Promise.all(instances.map((instance) => instance.services.jobs.runNow('inactivity')));
    expect(runs.reduce((sum, run) => sum + (run.deactivated ?? 0), 0)).toBe(ACCOUNTS);
    await deliverAll();
    for (const { email, tokenId } of owners) {
      expect(mailsTo(email, /Subject: A Keyward token was deactivated after inactivity/), email).toHaveLength(
        1,
      );
      const events = await a.sql(
        `select actor_type, detail from audit_event where target_id = $1 and action = 'token.deactivate'`,
        [tokenId],
      );
      expect(events).toEqual([{ actor_type: 'system', detail: 'inactivity' }]);
    }
  });
});
