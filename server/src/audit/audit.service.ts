import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { type AuditActorType, AuditEvent } from './audit.entity.js';

export interface AuditActor {
  type: AuditActorType;
  id: string | null;
}

export interface RequestMeta {
  ip: string | null;
  userAgent: string | null;
}

/**
 * Queues one audit event in the caller's unit of work, so it commits (or not) together with
 * the change it records. Never pass secrets here: only ids.
 */
export function recordAudit(
  em: EntityManager,
  event: {
    action: string;
    actor: AuditActor;
    accountId: string | null;
    targetId: string | null;
    meta: RequestMeta;
  },
): AuditEvent {
  const row = Object.assign(new AuditEvent(), {
    id: randomUUID(),
    action: event.action,
    actorType: event.actor.type,
    actorId: event.actor.id,
    accountId: event.accountId,
    targetId: event.targetId,
    ip: event.meta.ip,
    userAgent: event.meta.userAgent?.slice(0, 500) ?? null,
    createdAt: new Date(),
  });
  em.persist(row);
  return row;
}
