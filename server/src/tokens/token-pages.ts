import type { EntityManager } from '@mikro-orm/postgresql';
import { invalidCursorError } from '../errors.js';
import { isUuid } from '../ids.js';
import { ApiToken } from './tokens.entity.js';

/** An SQL condition over the `api_token` alias `t`, with its `?` parameters in order. */
export interface TokenCondition {
  sql: string;
  params: unknown[];
}

/**
 * One page of tokens newest first (created_at, then id, descending) among those matching `where`,
 * after the token `afterId`. The cursor must name a token matching `cursorScope` (what the
 * caller may page through), else it is validation_failed on `after` like a malformed one; it
 * need not match `where` (a token revoked between two pages still marks its position).
 */
export async function newestTokensPage(
  em: EntityManager,
  where: TokenCondition,
  cursorScope: TokenCondition,
  options: { first: number; afterId?: string | null },
): Promise<{ tokens: ApiToken[]; hasNextPage: boolean }> {
  const { afterId, first } = options;
  let sql = where.sql;
  const params = [...where.params];
  if (afterId) {
    if (!isUuid(afterId)) throw invalidCursorError();
    const [inScope] = await em.execute(`select 1 from api_token t where t.id = ? and (${cursorScope.sql})`, [
      afterId,
      ...cursorScope.params,
    ]);
    if (!inScope) throw invalidCursorError();
    sql = `(${sql}) and (t.created_at, t.id) < (select created_at, id from api_token where id = ?)`;
    params.push(afterId);
  }
  const rows = await em.execute<{ id: string }[]>(
    `select t.id from api_token t where ${sql} order by t.created_at desc, t.id desc limit ?`,
    [...params, first + 1],
  );
  const ids = rows.slice(0, first).map((row) => row.id);
  const tokens = ids.length === 0 ? [] : await em.find(ApiToken, { id: { $in: ids } });
  const byId = new Map(tokens.map((token) => [token.id, token]));
  return { tokens: ids.flatMap((id) => byId.get(id) ?? []), hasNextPage: rows.length > first };
}
