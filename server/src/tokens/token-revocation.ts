import type { EntityManager } from '@mikro-orm/postgresql';
import { type AuditActor, type RequestMeta, recordAudit } from '../audit/audit.service.js';

export interface RevokedToken {
  id: string;
  accountId: string | null;
  /** The token whose revocation this one follows from (itself for a root). */
  root: string;
}

/**
 * Revokes the given tokens and every token they created, transitively (created_by_token), in the
 * caller's transaction: a token never outlives the token that created it. Each newly revoked
 * token gets one `token.revoke` event by `actor`; those revoked by cascade name their root in
 * `detail` (`cascade from <root id>`). Already revoked tokens are left alone (idempotent), but their live
 * descendants are still revoked. Returns the newly revoked tokens, for cache invalidation.
 */
export async function revokeTokenTrees(
  tx: EntityManager,
  roots: readonly string[],
  actor: AuditActor,
  meta: RequestMeta,
  /** The roots' events' `detail` (e.g. who revoked from above); cascaded events name their root. */
  rootDetail: string | null = null,
): Promise<RevokedToken[]> {
  if (roots.length === 0) return [];
  const rows = await tx.execute<{ id: string; account_id: string | null; root: string }[]>(
    `with recursive tree (id, root) as (
       select id, id from api_token where id = any(?::uuid[])
       union
       select child.id, tree.root from api_token child join tree on child.created_by_token = tree.id
     ), targets as (select distinct on (id) id, root from tree order by id, (id = root) desc)
     update api_token token set revoked_at = now(), updated_at = now()
     from targets where token.id = targets.id and token.revoked_at is null
     returning token.id, token.account_id, targets.root`,
    [`{${roots.join(',')}}`],
  );
  for (const row of rows) {
    recordAudit(tx, {
      action: 'token.revoke',
      actor,
      accountId: row.account_id,
      targetId: row.id,
      meta,
      detail: row.id === row.root ? rootDetail : `cascade from ${row.root}`,
    });
  }
  return rows.map((row) => ({ id: row.id, accountId: row.account_id, root: row.root }));
}
