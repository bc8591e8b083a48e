import { EntitySchema } from '@mikro-orm/core';

/**
 * Whose tokens a digest is about: an account's personal tokens (mailed to the account) or an
 * organization's tokens (mailed to its owners and admins). Each has its own once-a-day key.
 */
export type DigestOwnerType = 'account' | 'organization';

/**
 * One row per digest mail sent: its kind (`expiry-reminders`, `inactivity`), its owner and the UTC
 * day. The primary key is what makes a daily digest go out at most once per owner per day, however
 * many instances run the job and however often (docs/architecture.md, "Scheduled jobs").
 */
export class DigestSent {
  kind!: string;
  ownerType!: DigestOwnerType;
  ownerId!: string;
  /** UTC day, YYYY-MM-DD (the database's clock). */
  day!: string;
  createdAt: Date = new Date();
}

export const DigestSentSchema = new EntitySchema<DigestSent>({
  class: DigestSent,
  tableName: 'digest_sent',
  properties: {
    kind: { type: 'text', primary: true },
    ownerType: { type: 'text', primary: true },
    ownerId: { type: 'uuid', primary: true },
    day: { type: 'date', primary: true },
    createdAt: { type: 'Date', columnType: 'timestamptz', defaultRaw: 'now()' },
  },
});
