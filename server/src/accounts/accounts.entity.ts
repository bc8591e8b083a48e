import { EntitySchema } from '@mikro-orm/core';

export const PLANS = ['free', 'pro', 'team'] as const;
export type Plan = (typeof PLANS)[number];
export const ROLES = ['member', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export class Account {
  id!: string;
  /** Stored lower-cased: uniqueness is case-insensitive by construction. */
  email!: string;
  name!: string;
  passwordHash!: string;
  emailVerified = false;
  plan: Plan = 'free';
  role: Role = 'member';
  /** Tokens unused for this many days become inactive (30–730); null = never (account-settings.service.ts). */
  deactivateAfterDays: number | null = null;
  /** Whether the daily expiry-reminder digest is mailed to this account. */
  expiryReminders = true;
  createdAt: Date = new Date();
  updatedAt: Date = new Date();
}

export const AccountSchema = new EntitySchema<Account>({
  class: Account,
  tableName: 'account',
  properties: {
    id: { type: 'uuid', primary: true },
    email: { type: 'text', unique: 'account_email_unique' },
    name: { type: 'text' },
    passwordHash: { type: 'text' },
    emailVerified: { type: 'boolean', default: false },
    plan: { type: 'text', enum: true, items: [...PLANS], default: 'free' },
    role: { type: 'text', enum: true, items: [...ROLES], default: 'member' },
    deactivateAfterDays: { type: 'integer', nullable: true },
    expiryReminders: { type: 'boolean', default: true },
    createdAt: { type: 'Date', columnType: 'timestamptz', defaultRaw: 'now()' },
    updatedAt: { type: 'Date', columnType: 'timestamptz', defaultRaw: 'now()', onUpdate: () => new Date() },
  },
});

/** A single-use link sent by mail (email verification, password reset); only its hash is stored. */
export type AccountLinkPurpose = 'verify_email' | 'password_reset';

export class AccountLink {
  tokenHash!: string;
  account!: string;
  purpose!: AccountLinkPurpose;
  expiresAt!: Date;
  usedAt: Date | null = null;
  createdAt: Date = new Date();
}

export const AccountLinkSchema = new EntitySchema<AccountLink>({
  class: AccountLink,
  tableName: 'account_link',
  indexes: [{ properties: ['account', 'purpose'] }],
  properties: {
    tokenHash: { type: 'text', primary: true },
    account: { kind: 'm:1', entity: () => Account, mapToPk: true, deleteRule: 'cascade' },
    purpose: { type: 'text' },
    expiresAt: { type: 'Date', columnType: 'timestamptz' },
    usedAt: { type: 'Date', columnType: 'timestamptz', nullable: true },
    createdAt: { type: 'Date', columnType: 'timestamptz', defaultRaw: 'now()' },
  },
});
