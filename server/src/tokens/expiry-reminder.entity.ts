import { EntitySchema } from '@mikro-orm/core';
import { ApiToken } from './tokens.entity.js';

/**
 * A token was listed in an expiry-reminder digest for one window (7 days, 1 day, …): each
 * (token, window) reminder goes out once. Written in the transaction that queues the digest.
 */
export class TokenExpiryReminder {
  token!: string;
  windowDays!: number;
  sentAt: Date = new Date();
}

export const TokenExpiryReminderSchema = new EntitySchema<TokenExpiryReminder>({
  class: TokenExpiryReminder,
  tableName: 'token_expiry_reminder',
  properties: {
    token: { kind: 'm:1', entity: () => ApiToken, mapToPk: true, primary: true, deleteRule: 'cascade' },
    windowDays: { type: 'integer', primary: true },
    sentAt: { type: 'Date', columnType: 'timestamptz', defaultRaw: 'now()' },
  },
});
