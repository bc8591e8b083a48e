import { EntitySchema } from '@mikro-orm/core';

/**
 * Outgoing mail is written in the same transaction as the change that causes it, then delivered.
 * A mail carrying a single-use link is queued without it (`linkOrigin` set, subject and body
 * empty): the dispatcher mints the link, sends it and keeps only a body with the link removed,
 * so no live link is ever readable from the database.
 */
export class OutboxMail {
  id!: string;
  recipient!: string;
  subject!: string;
  body!: string;
  kind!: string;
  createdAt: Date = new Date();
  sentAt: Date | null = null;
  attempts = 0;
  nextAttemptAt: Date = new Date();
  lastError: string | null = null;
  /** For link mails: the origin the link points at (the deployment's, when requested). */
  linkOrigin: string | null = null;
}

export const OutboxMailSchema = new EntitySchema<OutboxMail>({
  class: OutboxMail,
  tableName: 'mail_outbox',
  indexes: [{ properties: ['sentAt', 'nextAttemptAt'] }],
  properties: {
    id: { type: 'uuid', primary: true },
    recipient: { type: 'text' },
    subject: { type: 'text' },
    body: { type: 'text' },
    kind: { type: 'text' },
    createdAt: { type: 'Date', columnType: 'timestamptz', defaultRaw: 'now()' },
    sentAt: { type: 'Date', columnType: 'timestamptz', nullable: true },
    attempts: { type: 'integer', default: 0 },
    nextAttemptAt: { type: 'Date', columnType: 'timestamptz', defaultRaw: 'now()' },
    lastError: { type: 'text', nullable: true },
    linkOrigin: { type: 'text', nullable: true },
  },
});
