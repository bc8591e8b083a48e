import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Logger } from '../logger.js';
import { OutboxMail } from './mail.entity.js';

export interface MailMessage {
  to: string;
  subject: string;
  body: string;
  /** What the mail is for (`verify_email`, `password_reset`): lets tests and operators find it. */
  kind: string;
}

export interface MailTransport {
  send(message: { from: string; to: string; subject: string; text: string }): Promise<void>;
  close?(): void;
}

/** Queues a mail in the caller's unit of work, so it is sent only if the change commits. */
export function enqueueMail(em: EntityManager, message: MailMessage): OutboxMail {
  const mail = Object.assign(new OutboxMail(), {
    id: randomUUID(),
    recipient: message.to,
    subject: message.subject,
    body: message.body,
    kind: message.kind,
  });
  em.persist(mail);
  return mail;
}

/** SMTP through nodemailer when `SMTP_URL` is set; otherwise mail is written to the server log. */
export async function createMailTransport(smtpUrl: string | null, logger: Logger): Promise<MailTransport> {
  if (!smtpUrl) {
    return {
      send: async (message) => {
        logger.info(
          { mail: { to: message.to, subject: message.subject, body: message.text } },
          'mail (no SMTP_URL)',
        );
      },
    };
  }
  const { createTransport } = await import('nodemailer');
  const transport = createTransport(smtpUrl);
  return {
    send: async (message) => {
      await transport.sendMail(message);
    },
    close: () => transport.close(),
  };
}

const MAX_ATTEMPTS = 8;

/**
 * Delivers queued mail: claims due rows with SKIP LOCKED (safe with several instances),
 * retries with exponential back-off, and gives up after MAX_ATTEMPTS.
 */
export class MailDispatcher {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;

  constructor(
    private readonly deps: {
      em: EntityManager;
      transport: MailTransport;
      from: string;
      logger: Logger;
      intervalMs?: number;
    },
  ) {}

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.kick(), this.deps.intervalMs ?? 2000);
    this.timer.unref();
  }

  /** Delivers what is due now; concurrent calls share one pass. */
  kick(): Promise<void> {
    this.running ??= this.deliverDue().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.kick();
    this.deps.transport.close?.();
  }

  private async deliverDue(): Promise<void> {
    const em = this.deps.em.fork();
    try {
      await em.transactional(async (tx) => {
        const due = await tx.execute<OutboxMailRow[]>(
          `select id, recipient, subject, body, attempts from mail_outbox
           where sent_at is null and next_attempt_at <= now() and attempts < ?
           order by created_at limit 20 for update skip locked`,
          [MAX_ATTEMPTS],
        );
        for (const row of due) await this.deliver(tx, row);
      });
    } catch (error) {
      this.deps.logger.error({ err: error }, 'mail delivery pass failed');
    }
  }

  private async deliver(tx: EntityManager, row: OutboxMailRow): Promise<void> {
    try {
      await this.deps.transport.send({
        from: this.deps.from,
        to: row.recipient,
        subject: row.subject,
        text: row.body,
      });
      await tx.execute('update mail_outbox set sent_at = now(), attempts = attempts + 1 where id = ?', [
        row.id,
      ]);
    } catch (error) {
      const delaySeconds = 2 ** (row.attempts + 1) * 5;
      this.deps.logger.warn(
        { mailId: row.id, err: (error as Error).message },
        'mail delivery failed; will retry',
      );
      await tx.execute(
        `update mail_outbox set attempts = attempts + 1, last_error = ?, next_attempt_at = now() + make_interval(secs => ?) where id = ?`,
        [String((error as Error).message).slice(0, 500), delaySeconds, row.id],
      );
    }
  }
}

interface OutboxMailRow {
  id: string;
  recipient: string;
  subject: string;
  body: string;
  attempts: number;
}
