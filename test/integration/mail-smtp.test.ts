import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeSmtp } from '../helpers/fake-smtp.js';
import { linkToken, startTestServer, type TestServer } from '../helpers/harness.js';

async function waitFor<T>(read: () => Promise<T> | T, done: (value: T) => boolean, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

let smtp: Awaited<ReturnType<typeof startFakeSmtp>>;
let server: TestServer;

beforeAll(async () => {
  smtp = await startFakeSmtp();
  server = await startTestServer({
    SMTP_URL: `smtp://127.0.0.1:${smtp.port}`,
    KEYWARD_MAIL_FROM: 'Keyward <keys@example.com>',
  });
});
afterAll(async () => {
  await server.close();
  await smtp.close();
});

describe('mail over SMTP', () => {
  it('mail: a registration mails its verification link through SMTP_URL and marks the outbox row sent', async () => {
    const email = 'smtp-user@example.com';
    await server.gql('mutation($input: RegisterInput!) { register(input: $input) { id } }', {
      input: { email, password: 'a long password', name: 'Smtp' },
    });
    await server.keyward.services.mail.kick();
    const mails = await waitFor(
      () => smtp.mails,
      (list) => list.length > 0,
    );
    expect(mails).toHaveLength(1);
    expect(mails[0]!.to.join()).toContain(email);
    expect(mails[0]!.from).toContain('keys@example.com');
    expect(mails[0]!.data).toMatch(/Subject: Verify your Keyward email address/);
    const mailed = linkToken(mails[0]!.data.replace(/=\n/g, '').replace(/=3D/g, '='));
    // Once delivered, the outbox keeps the mail without its live link.
    const rows = await server.sql<{ sent: boolean; body: string }>(
      'select sent_at is not null as sent, body from mail_outbox where recipient = $1',
      [email],
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]!.sent).toBe(true);
    expect(rows[0]!.body).toMatch(/\/verify-email\?token=\[removed after delivery\]/);
    expect(JSON.stringify(await server.sql('select * from mail_outbox'))).not.toContain(mailed);
    const verified = await server.gql('mutation($t: String!) { verifyEmail(token: $t) { emailVerified } }', {
      t: mailed,
    });
    expect(verified.body.data).toEqual({ verifyEmail: { emailVerified: true } });
  });

  it('mail: a relay that refuses is retried later and nothing is lost', async () => {
    smtp.refuse.on = true;
    const email = 'smtp-retry@example.com';
    await server.gql('mutation($e: String!) { requestPasswordReset(email: $e) }', { e: email });
    // Delivery decides: no account has the address yet, so nothing is sent and the row goes.
    await server.keyward.services.mail.kick();
    await server.keyward.services.mail.kick();
    await server.seedAccount({ email });
    await server.gql('mutation($e: String!) { requestPasswordReset(email: $e) }', { e: email });
    await server.keyward.services.mail.kick();
    const failed = await server.sql<{ attempts: number; sent: boolean; last_error: string | null }>(
      'select attempts, sent_at is not null as sent, last_error from mail_outbox where recipient = $1',
      [email],
    );
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ attempts: 1, sent: false });
    expect(failed[0]!.last_error).toBeTruthy();

    smtp.refuse.on = false;
    await server.sql('update mail_outbox set next_attempt_at = now() where recipient = $1', [email]);
    await server.keyward.services.mail.kick();
    const delivered = await waitFor(
      () => smtp.mails.filter((mail) => mail.to.join().includes(email)),
      (list) => list.length > 0,
    );
    expect(delivered).toHaveLength(1);
    const rows = await server.sql<{ sent: boolean }>(
      'select sent_at is not null as sent from mail_outbox where recipient = $1',
      [email],
    );
    expect(rows).toEqual([{ sent: true }]);
  });
});
