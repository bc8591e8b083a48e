import { EntitySchema } from '@mikro-orm/core';
import { Account } from '../accounts/accounts.entity.js';

/** A web session; the primary key is the SHA-256 of the cookie value, never the value itself. */
export class Session {
  idHash!: string;
  account!: string;
  createdAt: Date = new Date();
  lastSeenAt: Date = new Date();
  expiresAt!: Date;
  ip: string | null = null;
  userAgent: string | null = null;
}

export const SessionSchema = new EntitySchema<Session>({
  class: Session,
  tableName: 'session',
  properties: {
    idHash: { type: 'text', primary: true },
    account: { kind: 'm:1', entity: () => Account, mapToPk: true, deleteRule: 'cascade', index: true },
    createdAt: { type: 'Date', columnType: 'timestamptz', defaultRaw: 'now()' },
    lastSeenAt: { type: 'Date', columnType: 'timestamptz', defaultRaw: 'now()' },
    expiresAt: { type: 'Date', columnType: 'timestamptz' },
    ip: { type: 'text', nullable: true },
    userAgent: { type: 'text', nullable: true },
  },
});
