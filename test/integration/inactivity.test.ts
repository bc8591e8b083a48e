/**
 * Inactivity deactivation (job `inactivity`, account setting `deactivateAfterDays`) through the
 * real queue, with creation and last-use instants set in SQL; and `npm run admin -- run-job` as a
 * subprocess on the same database.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/harness.js';
import { describeOutput, spawnProc } from '../helpers/processes.js';

const CREATE = 'mutation($input: CreateTokenInput!) { createToken(input: $input) { token { id } secret } }';
const SETTINGS =
  'mutation($input: UpdateAccountSettingsInput!) { updateAccountSettings(input: $input) { id } }';

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({ KEYWARD_PUBLIC_URL: 'http://keys.example.test' });
});
afterAll(() => server?.close());

interface Owner {
  email: string;
  cookie: string;
  accountId: string;
}

async function owner(deactivateAfterDays: number | null): Promise<Owner> {
  const { account, email, password } = await server.seedAccount({ plan: 'team' });
  const cookie = await server.login(email, password);
  if (deactivateAfterDays !== null) {
    const response = await server.gql(SETTINGS, { input: { deactivateAfterDays } }, { cookie });
    expect(response.body.errors).toBeUndefined();
  }
  return { email, cookie, accountId: account.id };
}

/** A token created `age` ago (a PostgreSQL interval), last used `lastUsed` ago or never. */
async function token(
  who: Owner,
  name: string,
  age: string,
  lastUsed: string | null = null,
): Promise<{ id: string; secret: string }> {
  const response = await server.gql<{ createToken: { token: { id: string }; secret: string } }>(
    CREATE,
    { input: { name, preset: 'READ_ONLY' } },
    { cookie: who.cookie },
  );
  const created = response.body.data?.createToken;
  if (!created) throw new Error(JSON.stringify(response.body));
  await server.sql(
    `update api_token set created_at = now() - $2::interval, updated_at = now() - $2::interval,
       last_used_at = now() - $3::interval where id = $1`,
    [created.token.id, age, lastUsed],
  );
  return { id: created.token.id, secret: created.secret };
}

async function state(id: string): Promise<{ active: boolean; revoked: boolean }> {
  const [row] = await server.sql<{ active: boolean; revoked: boolean }>(
    'select active, revoked_at is not null as revoked from api_token where id = $1',
    [id],
  );
  return row!;
}

async function whoami(secret: string): Promise<{ status: number; error?: string }> {
  const response = await fetch(`${server.url}/api/cli/whoami`, {
    headers: { authorization: `Bearer ${secret}` },
  });
  const body = (await response.json()) as { error?: string };
  return { status: response.status, ...(body.error ? { error: body.error } : {}) };
}

/** Writes the buffered use of a request now, then erases it: the token stays cached yet unused. */
async function forgetUse(id: string): Promise<void> {
  await server.keyward.services.usage.flush();
  await server.sql('update api_token set last_used_at = null where id = $1', [id]);
}

async function inactivityMails(who: Owner) {
  await server.lastMail(who.email, 'tokens_deactivated');
  return server.mails.filter((mail) => mail.to === who.email && mail.kind === 'tokens_deactivated');
}

function runInactivity() {
  return server.keyward.services.jobs.runNow('inactivity');
}

describe('inactivity deactivation', () => {
  it('deactivates tokens unused for deactivateAfterDays (never-used: since creation), keeps used ones, audits and mails', async () => {
    const who = await owner(30);
    const stale = await token(who, 'never used, 40 days old', '40 days');
    const dormant = await token(who, 'used 35 days ago', '200 days', '35 days');
    const busy = await token(who, 'used yesterday', '200 days', '1 day');
    const young = await token(who, 'never used, 10 days old', '10 days');
    const revoked = await token(who, 'revoked long ago', '90 days');
    await server.gql(
      'mutation($id: ID!) { revokeToken(id: $id) { id } }',
      { id: revoked.id },
      { cookie: who.cookie },
    );
    await server.sql(`update api_token set updated_at = now() - interval '90 days' where id = $1`, [
      revoked.id,
    ]);
    // Cached on this instance before the job runs: the job must evict it like setTokenActive does.
    expect((await whoami(stale.secret)).status).toBe(200);
    await forgetUse(stale.id);

    const output = await runInactivity();
    expect(output).toMatchObject({ mailed: 1, deactivated: 2 });
    expect(await state(stale.id)).toEqual({ active: false, revoked: false });
    expect(await state(dormant.id)).toEqual({ active: false, revoked: false });
    expect(await state(busy.id)).toEqual({ active: true, revoked: false });
    expect(await state(young.id)).toEqual({ active: true, revoked: false });
    expect(await whoami(stale.secret)).toEqual({ status: 401, error: 'token_inactive' });
    expect((await whoami(busy.secret)).status).toBe(200);

    const events = await server.sql<{
      target_id: string;
      actor_type: string;
      actor_id: string | null;
      detail: string;
    }>(
      `select target_id, actor_type, actor_id, detail from audit_event
       where account_id = $1 and action = 'token.deactivate' order by target_id`,
      [who.accountId],
    );
    expect(events).toEqual(
      [stale.id, dormant.id]
        .sort()
        .map((id) => ({ target_id: id, actor_type: 'system', actor_id: null, detail: 'inactivity' })),
    );

    const [mail, ...more] = await inactivityMails(who);
    expect(more).toEqual([]);
    expect(mail!.subject).toBe('2 Keyward tokens were deactivated after inactivity');
    expect(mail!.text).toContain('not used for 30 days');
    expect(mail!.text).toContain('never used, 40 days old');
    expect(mail!.text).toContain('never used');
    expect(mail!.text).toContain('used 35 days ago');
    expect(mail!.text).toContain(`http://keys.example.test/tokens/${stale.id}`);
    expect(mail!.text).not.toContain('used yesterday');
    expect(mail!.text).not.toContain('10 days old');
    expect(mail!.text).not.toContain(stale.secret);

    // Audited in the token's history (GraphQL).
    const history = await server.gql<{
      auditEvents: { edges: { node: { action: string; detail: string } }[] };
    }>(
      'query($t: ID!) { auditEvents(tokenId: $t) { edges { node { action detail } } } }',
      { t: stale.id },
      { cookie: who.cookie },
    );
    expect(history.body.data?.auditEvents.edges.map((edge) => edge.node)).toContainEqual({
      action: 'token.deactivate',
      detail: 'inactivity',
    });
  });

  it('reactivation is the one switch, and a reactivated token is not deactivated again the next day', async () => {
    const who = await owner(30);
    const stale = await token(who, 'come back', '60 days');
    await runInactivity();
    expect(await state(stale.id)).toEqual({ active: false, revoked: false });
    const reactivated = await server.gql(
      'mutation($id: ID!) { setTokenActive(id: $id, active: true) { status } }',
      { id: stale.id },
      { cookie: who.cookie },
    );
    expect(reactivated.body).toEqual({ data: { setTokenActive: { status: 'ACTIVE' } } });
    expect((await whoami(stale.secret)).status).toBe(200);
    await server.sql('delete from digest_sent where owner_id = $1', [who.accountId]);
    await runInactivity();
    expect(await state(stale.id)).toEqual({ active: true, revoked: false });
    expect(await inactivityMails(who)).toHaveLength(1);
  });

  it('off by default: an account without the setting keeps its unused tokens, and gets no mail', async () => {
    const who = await owner(null);
    const old = await token(who, 'ancient', '700 days');
    await runInactivity();
    expect(await state(old.id)).toEqual({ active: true, revoked: false });
    expect(await inactivityMails(who)).toEqual([]);
  });

  it('the longest setting: 730 days', async () => {
    const who = await owner(730);
    const kept = await token(who, 'two years less a day', '729 days');
    const gone = await token(who, 'over two years', '731 days');
    await runInactivity();
    expect(await state(kept.id)).toMatchObject({ active: true });
    expect(await state(gone.id)).toMatchObject({ active: false });
  });
});

/** `npm run admin -- <args>` on this test file's database. */
async function admin(...args: string[]) {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: server.keyward.services.config.databaseUrl!,
    NODE_ENV: 'test',
  };
  delete env.REDIS_URL;
  const proc = spawnProc(process.execPath, ['--import', 'tsx', 'server/src/scripts/admin.ts', ...args], env);
  const exit = await proc.exited;
  return { ...exit, ...proc.output(), describe: () => describeOutput(proc) };
}

describe('npm run admin -- run-job', { timeout: 60_000 }, () => {
  it('runs inactivity now through the queue and reports what it did; the running server drops the token', async () => {
    const who = await owner(30);
    const stale = await token(who, `via admin ${randomBytes(2).toString('hex')}`, '50 days');
    expect((await whoami(stale.secret)).status).toBe(200);
    await forgetUse(stale.id);
    const result = await admin('run-job', 'inactivity');
    expect(result.code, result.describe()).toBe(0);
    expect(result.stdout).toMatch(/Ran inactivity: deactivated 1, mailed 1, owners 1\./);
    expect(await state(stale.id)).toEqual({ active: false, revoked: false });
    expect(await whoami(stale.secret)).toEqual({ status: 401, error: 'token_inactive' });
    const jobs = await server.sql<{ state: string }>(
      `select state from pgboss.job where name = 'inactivity' union all select state from pgboss.archive where name = 'inactivity'`,
    );
    expect(jobs.map((job) => job.state)).toContain('completed');
  });

  it('runs expiry-reminders', async () => {
    const result = await admin('run-job', 'expiry-reminders');
    expect(result.code, result.describe()).toBe(0);
    expect(result.stdout).toMatch(/Ran expiry-reminders: mailed \d+, owners \d+, tokens \d+\./);
  });

  it('an unknown job name is a usage error listing the names', async () => {
    const result = await admin('run-job', 'nightly');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      'Unknown job "nightly": the jobs are expiry-reminders, inactivity, rotation-grace.',
    );
    const missing = await admin('run-job');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('expiry-reminders, inactivity, rotation-grace');
  });
});
