import { lexicographicSortSchema, printSchema } from 'graphql';
import '../accounts/account-admin.graphql.js';
import '../accounts/account-settings.graphql.js';
import '../accounts/accounts.graphql.js';
import '../audit/audit.graphql.js';
import '../organizations/organizations.graphql.js';
import '../organizations/organization-policy.graphql.js';
import '../organizations/token-inventory.graphql.js';
import './node.graphql.js';
import '../permissions/permissions.graphql.js';
import '../sessions/oidc.graphql.js';
import '../sessions/sessions.graphql.js';
import '../tokens/tokens.graphql.js';
import '../tokens/admin-tokens.graphql.js';
import '../tokens/organization-tokens.graphql.js';
import '../tokens/token-rotation.graphql.js';
import { builder } from './builder.js';

export const schema = builder.toSchema({ sortSchema: true });

/** The committed `schema.graphql`: printed, sorted. */
export function printSortedSchema(): string {
  return `${printSchema(lexicographicSortSchema(schema))}\n`;
}
