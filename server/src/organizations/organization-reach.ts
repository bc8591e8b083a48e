import type { PermissionCatalogue } from '../permissions/catalogue.js';
import { tokenStatusSql } from '../tokens/token-rules.js';
import { reachesOrganizationSql } from './token-reach.js';

/**
 * Whether a token is not revoked, in SQL: revoked_at unset and no rotation grace that is over
 * (tokenStatus's REVOKED, by the database clock).
 */
export function notRevokedSql(token: string): string {
  return `(not ${tokenStatusSql('REVOKED', token)})`;
}

/**
 * The live personal tokens that reach an organization (token-reach.ts states the rule: the owner
 * is a member and the token's grant includes an organization action), in SQL. Such a token is in
 * the organization's inventory, and the organization's policy applies to it (Token.outOfPolicy).
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
  return `(${notRevokedSql(token)} and ${reachesOrganizationSql(catalogue, token, organization)})`;
}
