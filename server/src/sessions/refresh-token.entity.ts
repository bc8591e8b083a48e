import { EntitySchema } from '@mikro-orm/core';
import { Account } from '../accounts/accounts.entity.js';

/**
 * An opaque refresh token of programmatic login (/api/v1/auth), stored hashed. Every refresh
 * rotates it within its family; presenting a used one revokes the whole family.
 */
export class RefreshToken {
  tokenHash!: string;
  familyId!: string;
  account!: string;
  createdAt: Date = new Date();
  expiresAt!: Date;
  usedAt: Date | null = null;
  revokedAt: Date | null = null;
}

export const RefreshTokenSchema = new EntitySchema<RefreshToken>({
  class: RefreshToken,
  tableName: 'refresh_token',
  indexes: [{ properties: ['familyId'] }],
  properties: {
    tokenHash: { type: 'text', primary: true },
    familyId: { type: 'uuid' },
    account: { kind: 'm:1', entity: () => Account, mapToPk: true, deleteRule: 'cascade', index: true },
    createdAt: { type: 'Date', columnType: 'timestamptz', defaultRaw: 'now()' },
    expiresAt: { type: 'Date', columnType: 'timestamptz' },
    usedAt: { type: 'Date', columnType: 'timestamptz', nullable: true },
    revokedAt: { type: 'Date', columnType: 'timestamptz', nullable: true },
  },
});

/**
 * Server-wide values shared by every instance. Never a signing key: whoever can read the database
 * must not be able to mint credentials (the access-token key comes from KEYWARD_SECRET).
 */
export class ServerSecret {
  name!: string;
  value!: string;
  createdAt: Date = new Date();
}

export const ServerSecretSchema = new EntitySchema<ServerSecret>({
  class: ServerSecret,
  tableName: 'server_secret',
  properties: {
    name: { type: 'text', primary: true },
    value: { type: 'text' },
    createdAt: { type: 'Date', columnType: 'timestamptz', defaultRaw: 'now()' },
  },
});
