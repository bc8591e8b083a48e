import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { linkToken, startTestServer, type TestServer } from '../helpers/harness.js';

interface ReceivedMail {
  from: string;
  to: string[];
  data: string;
}

/**
 * A minimal SMTP peer on a random port: SMTP crosses the machine's edge, so this stands in for
 * the mail relay. It speaks just enough (EHLO, MAIL, RCPT, DATA, QUIT) for nodemailer, and can be
 * told to refuse DATA to exercise retries.
 */
async function startFakeSmtp(): Promise<{
  port: number;
  mails: ReceivedMail[];
  refuse: { on: boolean };
  close(): Promise<void>;
}> {
  const mails: ReceivedMail[] = [];
  const refuse = { on: false };
  const server = net.createServer((socket) => {
    let current: ReceivedMail = { from: '', to: [], data: '' };
    let inData = false;
    let buffer = '';
    socket.write('220 fake-smtp ready\r\n');
    socket.on('data', (chunk) => {
      buffer += chunk.toString('utf8');
      let index = buffer.indexOf('\r\n');
      while (index !== -1) {
        const line = buffer.slice(0, index);
        buffer = buffer.slice(index + 2);
        if (inData) {
          if (line === '.') {
            inData = false;
            mails.push(current);
            current = { from: '', to: [], data: '' };
            socket.write('250 queued\r\n');
          } else {
            current.data += `${line.startsWith('..') ? line.slice(1) : line}\n`;
          }
        } else if (/^(EHLO|HELO)/i.test(line)) socket.write('250 fake-smtp\r\n');
        else if (/^MAIL FROM:/i.test(line)) {
          current.from = line.slice(10);
          socket.write('250 ok\r\n');
        } else if (/^RCPT TO:/i.test(line)) {
          current.to.push(line.slice(8));
          socket.write('250 ok\r\n');
        } else if (/^DATA/i.test(line)) {
          if (refuse.on) socket.write('451 try again later\r\n');
          else {
            inData = true;
            socket.write('354 go ahead\r\n');
          }
        } else if (/^QUIT/i.test(line)) {
          socket.end('221 bye\r\n');
        } else if (/^RSET/i.test(line)) socket.write('250 ok\r\n');
        else socket.write('502 not implemented\r\n');
        index = buffer.indexOf('\r\n');
      }
    });
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return { port, mails, refuse, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

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
