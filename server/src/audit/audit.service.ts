import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { Account } from '../accounts/accounts.entity.js';
import { invalidCursorError } from '../errors.js';
import { isUuid } from '../ids.js';
import { ApiToken } from '../tokens/tokens.entity.js';
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
    /** A short reason or note for people reading the history; never a secret. */
    detail?: string | null;
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
    detail: event.detail ?? null,
    createdAt: new Date(),
  });
  em.persist(row);
  return row;
}

/**
 * Writes one audit event about whichever account has `email` (account and target), or about no
 * account when none has it (then only admins see it). One insert either way: callers that must
 * not reveal whether an address is known spend the same time for both.
 */
export async function recordAuditForEmail(
  em: EntityManager,
  event: { action: string; actor: AuditActor; email: string; meta: RequestMeta },
): Promise<void> {
  await em.execute(
    `insert into audit_event (id, action, actor_type, actor_id, account_id, target_id, ip, user_agent, created_at)
     select ?, ?, ?, ?, found.id, found.id, ?, ?, now()
     from (select (select id from account where email = ?) as id) as found`,
    [
      randomUUID(),
      event.action,
      event.actor.type,
      event.actor.id,
      event.meta.ip,
      event.meta.userAgent?.slice(0, 500) ?? null,
      event.email,
    ],
  );
}

/**
 * Audit events newest first: the account's own (events about it or its tokens), or everyone's
 * for an admin. Filtering by another account's token yields nothing, like an unknown id.
 * `afterId` is the event the page starts after: one the caller may not see (another account's,
 * which would reveal when it happened) or an unknown one is validation_failed on `after`.
 */
export async function listAuditEvents(
  em: EntityManager,
  options: {
    account: { id: string; role: string };
    tokenId: string | null;
    /** An action (`token.revoke`), or every action of a resource (`token.*`). */
    action?: string | null;
    first: number;
    afterId: string | null;
  },
): Promise<{ events: AuditEvent[]; hasNextPage: boolean }> {
  const conditions: string[] = [];
  const params: unknown[] = [];
  const own = options.account.role === 'admin' ? '' : ' and account_id = ?';
  const ownParams = own ? [options.account.id] : [];
  if (own) {
    conditions.push('account_id = ?');
    params.push(options.account.id);
  }
  const { afterId } = options;
  if (afterId !== null) {
    if (!isUuid(afterId)) throw invalidCursorError();
    conditions.push(`(created_at, id) < (select created_at, id from audit_event where id = ?${own})`);
    params.push(afterId, ...ownParams);
  }
  if (options.tokenId !== null) {
    if (!isUuid(options.tokenId)) return { events: [], hasNextPage: false };
    conditions.push('target_id = ?');
    params.push(options.tokenId);
  }
  const { action } = options;
  if (action) {
    if (action.endsWith('.*')) {
      conditions.push('starts_with(action, ?)');
      params.push(action.slice(0, -1));
    } else {
      conditions.push('action = ?');
      params.push(action);
    }
  }
  const where = conditions.length > 0 ? `where ${conditions.join(' and ')}` : '';
  const rows = await em.execute<{ id: string }[]>(
    `select id from audit_event ${where} order by created_at desc, id desc limit ?`,
    [...params, options.first + 1],
  );
  // A position the caller may not see matches no row, so only an empty page needs telling apart from the end.
  if (afterId !== null && rows.length === 0) {
    const [visible] = await em.execute(`select 1 from audit_event where id = ?${own}`, [
      afterId,
      ...ownParams,
    ]);
    if (!visible) throw invalidCursorError();
  }
  const ids = rows.slice(0, options.first).map((row) => row.id);
  const events = ids.length === 0 ? [] : await em.find(AuditEvent, { id: { $in: ids } });
  const byId = new Map(events.map((event) => [event.id, event]));
  return { events: ids.flatMap((id) => byId.get(id) ?? []), hasNextPage: rows.length > options.first };
}

/** Those of `ids` the viewer may see (own account's events; an admin's: all), in any order. */
export function findVisibleAuditEvents(
  em: EntityManager,
  viewer: { id: string; role: string },
  ids: readonly string[],
): Promise<AuditEvent[]> {
  const wellFormed = ids.filter(isUuid);
  if (wellFormed.length === 0) return Promise.resolve([]);
  const scope = viewer.role === 'admin' ? {} : { accountId: viewer.id };
  return em.find(AuditEvent, { id: { $in: wellFormed }, ...scope });
}

/** The key of an actor in actor-name lookups. */
export const actorKey = (actor: { type: string; id: string }): string => `${actor.type}:${actor.id}`;

/**
 * Names of audit actors, by actorKey, in one query per actor type: the viewer's own name, other
 * accounts' names for an admin only, the names of the viewer's own tokens (an admin's: any
 * token's). Actors the viewer may not name, or that no longer exist, are missing from the map.
 */
export async function loadActorNames(
  em: EntityManager,
  viewer: { id: string; name: string; role: string },
  actors: readonly { type: string; id: string }[],
): Promise<Map<string, string>> {
  const admin = viewer.role === 'admin';
  const names = new Map<string, string>();
  const idsOf = (type: string) => [
    ...new Set(actors.filter((actor) => actor.type === type && isUuid(actor.id)).map((actor) => actor.id)),
  ];
  const accountIds = idsOf('account').filter((id) => id !== viewer.id);
  const tokenIds = idsOf('token');
  if (idsOf('account').includes(viewer.id))
    names.set(actorKey({ type: 'account', id: viewer.id }), viewer.name);
  const accounts = admin && accountIds.length > 0 ? await em.find(Account, { id: { $in: accountIds } }) : [];
  const tokenScope = admin ? { id: { $in: tokenIds } } : { id: { $in: tokenIds }, account: viewer.id };
  const tokens = tokenIds.length > 0 ? await em.find(ApiToken, tokenScope) : [];
  for (const account of accounts) names.set(actorKey({ type: 'account', id: account.id }), account.name);
  for (const token of tokens) names.set(actorKey({ type: 'token', id: token.id }), token.name);
  return names;
}
