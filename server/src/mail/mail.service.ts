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

/** What a transport is handed: `link`, when the mail carries a single-use link, is also inside `text`. */
export interface OutgoingMail {
  from: string;
  to: string;
  subject: string;
  text: string;
  kind: string;
  link?: string;
}

export interface MailTransport {
  send(message: OutgoingMail): Promise<void>;
  close?(): void;
}

/** A link mail composed at delivery time; null when there is nothing to send (e.g. no such account). */
export type LinkMailComposer = (
  tx: EntityManager,
  mail: { recipient: string; kind: string; origin: string },
) => Promise<{ subject: string; body: string; link: string } | null>;

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

/**
 * Queues a mail whose single-use link does not exist yet: the dispatcher's composer for `kind`
 * decides at delivery whether to send it and mints the link then. Queued alike whether or not the
 * recipient has an account, so the request does the same work either way.
 */
export function enqueueLinkMail(em: EntityManager, mail: { to: string; kind: string; origin: string }): void {
  em.persist(
    Object.assign(new OutboxMail(), {
      id: randomUUID(),
      recipient: mail.to,
      subject: '',
      body: '',
      kind: mail.kind,
      linkOrigin: mail.origin,
    }),
  );
}

/** The text kept after delivery: link tokens removed, so a database reader learns no live link. */
export function redactLinks(text: string): string {
  return text.replace(/token=[A-Za-z0-9_-]+/g, 'token=[removed after delivery]');
}

/**
 * SMTP through nodemailer when `SMTP_URL` is set. Without it, production delivers nothing and
 * warns once at start (a link never reaches a log); development prints each link once, plainly,
 * on its own line, for the person at the terminal (through `print`, never the JSON log).
 */
export async function createMailTransport(
  options: { smtpUrl: string | null; production: boolean; print?: (line: string) => void },
  logger: Logger,
): Promise<MailTransport> {
  if (!options.smtpUrl && options.production) {
    logger.warn(
      'Mail delivery is off: SMTP_URL is not set, so verification and password-reset mails are not sent.',
    );
    return { send: async (message) => logger.info({ kind: message.kind }, 'mail dropped (no SMTP_URL)') };
  }
  if (!options.smtpUrl) {
    const print = options.print ?? ((line: string) => process.stdout.write(line));
    return {
      send: async (message) => {
        const what = message.link ?? '(no link)';
        print(`\n${message.subject} for ${message.to} (no SMTP_URL, not mailed):\n${what}\n\n`);
      },
    };
  }
  const { createTransport } = await import('nodemailer');
  const transport = createTransport(options.smtpUrl);
  return {
    send: async (message) => {
      await transport.sendMail({
        from: message.from,
        to: message.to,
        subject: message.subject,
        text: message.text,
      });
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
      /** Composers of link mails, by kind (see enqueueLinkMail). */
      composers?: Readonly<Record<string, LinkMailComposer>>;
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

  /** The mail to send for a row: as queued, or composed now when it waits for its link. */
  private async compose(
    tx: EntityManager,
    row: OutboxMailRow,
  ): Promise<{ subject: string; body: string; link?: string } | null> {
    if (row.link_origin === null) return { subject: row.subject, body: row.body };
    const composer = this.deps.composers?.[row.kind];
    if (!composer) throw new Error(`No composer for link mails of kind ${row.kind}.`);
    return composer(tx, { recipient: row.recipient, kind: row.kind, origin: row.link_origin });
  }

  private async deliverDue(): Promise<void> {
    const em = this.deps.em.fork();
    try {
      await em.transactional(async (tx) => {
        const due = await tx.execute<OutboxMailRow[]>(
          `select id, recipient, subject, body, kind, link_origin, attempts from mail_outbox
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
      const mail = await this.compose(tx, row);
      if (!mail) {
        // Nothing to send (no such account, already verified): the request leaves no trace here.
        await tx.execute('delete from mail_outbox where id = ?', [row.id]);
        return;
      }
      await this.deps.transport.send({
        from: this.deps.from,
        to: row.recipient,
        subject: mail.subject,
        text: mail.body,
        kind: row.kind,
        ...(mail.link ? { link: mail.link } : {}),
      });
      await tx.execute(
        'update mail_outbox set sent_at = now(), attempts = attempts + 1, subject = ?, body = ? where id = ?',
        [mail.subject, redactLinks(mail.body), row.id],
      );
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
  kind: string;
  link_origin: string | null;
  attempts: number;
}
