import { EntitySchema } from '@mikro-orm/core';
import { ApiToken } from './tokens.entity.js';

/**
 * Credits one instance has taken out of a token's count to spend from memory (lease mode,
 * credit-leases.ts): `granted` credits taken in the refill period `periodStart` (null without a
 * refill), `spent` of them as last written behind. The row is written in the statement that takes
 * the credits, so what an instance holds is always on record: `granted - spent` is what its crash
 * would lose, give or take the spends of one flush interval. A tightening of usageLimit sets
 * `granted` to `spent`: what the lease holds then is forfeit. `takenAt` is the last block's time,
 * `writtenAt` the last write-behind's.
 */
export class TokenCreditLease {
  token!: string;
  /** One lease: from its first block until its unspent credits are given back. */
  leaseId!: string;
  instanceId!: string;
  periodStart: Date | null = null;
  granted!: number;
  spent = 0;
  takenAt: Date = new Date();
  writtenAt: Date = new Date();
}

export const TokenCreditLeaseSchema = new EntitySchema<TokenCreditLease>({
  class: TokenCreditLease,
  tableName: 'token_credit_lease',
  properties: {
    token: { kind: 'm:1', entity: () => ApiToken, mapToPk: true, primary: true, deleteRule: 'cascade' },
    leaseId: { type: 'uuid', primary: true },
    instanceId: { type: 'uuid' },
    periodStart: { type: 'Date', columnType: 'timestamptz', nullable: true },
    granted: { type: 'integer' },
    spent: { type: 'integer', default: 0 },
    takenAt: { type: 'Date', columnType: 'timestamptz', defaultRaw: 'now()' },
    writtenAt: { type: 'Date', columnType: 'timestamptz', defaultRaw: 'now()' },
  },
});
