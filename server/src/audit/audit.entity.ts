import { EntitySchema } from '@mikro-orm/core';

export type AuditActorType = 'account' | 'token' | 'leak-report' | 'system';

/** Append-only (a trigger refuses UPDATE and DELETE). No foreign keys: history outlives what it names. */
export class AuditEvent {
  id!: string;
  action!: string;
  actorType!: AuditActorType;
  actorId: string | null = null;
  /** The account whose history this belongs to (the target's owner). */
  accountId: string | null = null;
  targetId: string | null = null;
  ip: string | null = null;
  userAgent: string | null = null;
  /** A short reason or note (e.g. why a login failed); never a secret. */
  detail: string | null = null;
  createdAt: Date = new Date();
}

export const AuditEventSchema = new EntitySchema<AuditEvent>({
  class: AuditEvent,
  tableName: 'audit_event',
  indexes: [{ properties: ['accountId', 'createdAt'] }, { properties: ['targetId', 'createdAt'] }],
  properties: {
    id: { type: 'uuid', primary: true },
    action: { type: 'text' },
    actorType: { type: 'text' },
    actorId: { type: 'uuid', nullable: true },
    accountId: { type: 'uuid', nullable: true },
    targetId: { type: 'uuid', nullable: true },
    ip: { type: 'text', nullable: true },
    userAgent: { type: 'text', nullable: true },
    detail: { type: 'text', nullable: true },
    createdAt: { type: 'Date', columnType: 'timestamptz', defaultRaw: 'now()' },
  },
});
