import type { PermissionCatalogue } from '../permissions/catalogue.js';
import { PERMISSION_PRESETS, type PermissionPreset, presetPermissions } from '../permissions/presets.js';

/**
 * Which members' personal tokens "can reach" an organization (docs/architecture.md, "Organization
 * tokens"): those whose owner is a member of it and whose grant (the preset as it is today, or the
 * CUSTOM list) includes any action of `org`, `org-members` or `org-tokens`. The organization's
 * owners and admins see them in its inventory and may revoke them.
 *
 * The grant decides, not the owner's cap of the moment: a cap can widen again (a verified email,
 * a plan upgrade) without the token changing, and the inventory must show what a token can reach
 * without being touched. The TypeScript predicate and the SQL condition below say the same thing;
 * keep them together.
 */

const REACH_RESOURCES: ReadonlySet<string> = new Set(['org', 'org-members', 'org-tokens']);

/** The permissions through which a personal token reaches an organization, sorted. */
export function organizationReachPermissions(catalogue: PermissionCatalogue): string[] {
  return catalogue
    .filter((resource) => REACH_RESOURCES.has(resource.name))
    .flatMap((resource) => resource.actions.map((action) => action.permission))
    .sort();
}

/** Whether a personal token's grant reaches organizations (its owner's memberships decide which). */
export function grantReachesOrganizations(
  token: { preset: PermissionPreset; permissions: readonly string[] | null },
  catalogue: PermissionCatalogue,
): boolean {
  const reach = new Set(organizationReachPermissions(catalogue));
  return presetPermissions(token.preset, catalogue, token.permissions ?? []).some((permission) =>
    reach.has(permission),
  );
}

// Catalogue names and presets are code, not input; they are still checked before being inlined.
const SQL_SAFE = /^[A-Za-z_:-]+$/;
function literal(value: string): string {
  if (!SQL_SAFE.test(value)) throw new Error(`not inlinable in SQL: ${value}`);
  return `'${value}'`;
}

/**
 * The SQL condition "the token row `token` is a personal token that can reach the organization
 * whose id is the SQL expression `organization`" (a column such as `o.id`, or a `?` placeholder
 * the caller binds), with no parameters of its own. Example:
 *
 *   select t.id from api_token t where ${reachesOrganizationSql(catalogue, 't', '?')}   -- [orgId]
 */
export function reachesOrganizationSql(
  catalogue: PermissionCatalogue,
  token: string,
  organization: string,
): string {
  const reach = organizationReachPermissions(catalogue);
  const presets = PERMISSION_PRESETS.filter(
    (preset) => preset !== 'CUSTOM' && grantReachesOrganizations({ preset, permissions: null }, catalogue),
  );
  const byPreset = presets.length === 0 ? 'false' : `${token}.preset in (${presets.map(literal).join(', ')})`;
  const byList =
    reach.length === 0
      ? 'false'
      : `(${token}.preset = 'CUSTOM' and ${token}.permissions && array[${reach.map(literal).join(', ')}]::text[])`;
  return `(${token}.organization_id is null and ${token}.account_id is not null
    and (${byPreset} or ${byList})
    and exists (select 1 from organization_member reach_member
                where reach_member.account_id = ${token}.account_id and reach_member.organization_id = ${organization}))`;
}
