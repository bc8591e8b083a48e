import type { EntityManager } from '@mikro-orm/postgresql';
import type { PermissionCatalogue } from '../permissions/catalogue.js';
import { presetPermissions } from '../permissions/presets.js';
import type { ApiToken } from './tokens.entity.js';

/** How a token used one permission it is granted: `count` requests, the last at `lastUsedAt`. */
export interface PermissionUsage {
  permission: string;
  lastUsedAt: Date | null;
  count: number;
}

/**
 * Least privilege: one entry per permission the token is granted today (its preset's grant, as
 * `Token.permissions`), sorted, with how many requests exercised it and when the last did; a
 * permission never used has count 0 and lastUsedAt null. Counting started with this feature
 * (token_permission_use, written behind by usage-recorder.ts): older uses are not known.
 */
export async function permissionUsage(
  em: EntityManager,
  token: ApiToken,
  catalogue: PermissionCatalogue,
): Promise<PermissionUsage[]> {
  const rows = await em.execute<{ permission: string; count: string; last_used_at: Date }[]>(
    'select permission, count, last_used_at from token_permission_use where token_id = ?',
    [token.id],
  );
  const used = new Map(rows.map((row) => [row.permission, row]));
  return presetPermissions(token.preset, catalogue, token.permissions ?? []).map((permission) => {
    const row = used.get(permission);
    return {
      permission,
      count: row ? Number(row.count) : 0,
      lastUsedAt: row ? new Date(row.last_used_at) : null,
    };
  });
}
