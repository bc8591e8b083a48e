import { ROLES } from '../accounts/accounts.entity.js';
import type { PermissionCatalogue } from '../permissions/catalogue.js';
import {
  ownerPermissions,
  PERMISSION_PRESETS,
  type PermissionOwner,
  presetPermissions,
} from '../permissions/presets.js';

/** The catalogue resources whose actions act on organizations. */
export const ORGANIZATION_RESOURCES: readonly string[] = Object.freeze(['org', 'org-members', 'org-tokens']);

/** The permissions of ORGANIZATION_RESOURCES in today's catalogue. */
export function organizationPermissions(catalogue: PermissionCatalogue): string[] {
  return catalogue
    .filter((resource) => ORGANIZATION_RESOURCES.includes(resource.name))
    .flatMap((resource) => resource.actions.map((action) => action.permission));
}

/**
 * Whether a token is not revoked, in SQL: revoked_at unset and no rotation grace that is over
 * (tokenStatus's REVOKED, by the database clock).
 */
export function notRevokedSql(token: string): string {
  return `(${token}.revoked_at is null and not coalesce(${token}.grace_ends_at <= now(), false))`;
}

const PERMISSION_PATTERN = /^[a-z][a-z-]*:[a-z][a-z-]*$/;

function textArray(values: readonly string[]): string {
  for (const value of values)
    if (!PERMISSION_PATTERN.test(value)) throw new Error(`unexpected permission name ${value}`);
  return `'{${values.join(',')}}'::text[]`;
}

const cached = new WeakMap<PermissionCatalogue, string>();

/**
 * Whether a personal token's effective permissions (preset ∩ owner: permissions/presets.ts)
 * include any organization permission, in SQL over the token `{t}` (replaced by the caller's alias)
 * and its owner `reach_a` (an `account` row). Derived from the catalogue for every kind of owner (site role × verified email), so it
 * follows the catalogue and the owner caps as they change; only names from the catalogue are
 * written into the SQL.
 */
function permissionConditionSql(catalogue: PermissionCatalogue): string {
  const found = cached.get(catalogue);
  if (found) return found;
  const organizational = new Set(organizationPermissions(catalogue));
  const branches: string[] = [];
  for (const role of ROLES) {
    for (const emailVerified of [true, false]) {
      const owner: PermissionOwner = { role, emailVerified };
      const held = ownerPermissions(owner, catalogue);
      const reachable = [...organizational].filter((permission) => held.has(permission)).sort();
      if (reachable.length === 0) continue;
      const presets = PERMISSION_PRESETS.filter(
        (preset) =>
          preset !== 'CUSTOM' &&
          presetPermissions(preset, catalogue).some((permission) => reachable.includes(permission)),
      );
      const byPreset =
        presets.length > 0 ? `{t}.preset in (${presets.map((p) => `'${p}'`).join(', ')}) or ` : '';
      branches.push(
        `(reach_a.role = '${role}' and reach_a.email_verified = ${emailVerified} and (${byPreset}` +
          `({t}.preset = 'CUSTOM' and {t}.permissions && ${textArray(reachable)})))`,
      );
    }
  }
  const sql = branches.length > 0 ? `(${branches.join(' or ')})` : 'false';
  cached.set(catalogue, sql);
  return sql;
}

/**
 * THE reach rule, in SQL (docs/architecture.md, "Which file owns which rule"): a personal token
 * reaches an organization when it is not revoked, its owner is a member of the organization, and
 * its effective permissions include any permission of ORGANIZATION_RESOURCES (`org:*`,
 * `org-members:*`, `org-tokens:*`). Such a token is in the organization's inventory, and the
 * organization's policy applies to it (Token.outOfPolicy).
 *
 * `token` is the alias of an `api_token` row in the surrounding query; `organization` an SQL
 * expression for the organization's id (a column such as `o.id`, or one `?` placeholder). The
 * condition is false for organization tokens.
 */
export function personalTokenReachesSql(
  catalogue: PermissionCatalogue,
  token: string,
  organization: string,
): string {
  return `(${token}.organization_id is null and ${notRevokedSql(token)} and exists (
    select 1 from organization_member reach_m join account reach_a on reach_a.id = reach_m.account_id
    where reach_m.organization_id = ${organization} and reach_m.account_id = ${token}.account_id
      and ${permissionConditionSql(catalogue).replaceAll('{t}', token)}))`;
}
