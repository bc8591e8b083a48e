import { operation } from '../../lib/graphql';

export type TokenStatus = 'ACTIVE' | 'INACTIVE' | 'EXPIRED' | 'REVOKED';
export type PermissionPreset = 'ALL' | 'READ_ONLY' | 'CLI' | 'CUSTOM';
export type PageInfo = { hasNextPage: boolean; endCursor: string | null };
export type AuditActor = { type: string; id: string | null; name: string | null };

/** The fields the tokens table shows. */
export type TokenSummary = {
  id: string;
  name: string;
  description: string | null;
  displayPrefix: string;
  preset: PermissionPreset;
  status: TokenStatus;
  active: boolean;
  expiresAt: string | null;
  revokedAt: string | null;
  createdAt: string;
  lastUsedAt: string | null;
};

export type TokenUsageDay = { date: string; count: number };

/** A token another token created, as its creator's detail page lists it. */
export type TokenChild = { id: string; name: string; status: TokenStatus };

export type TokenDetail = TokenSummary & {
  permissions: string[];
  effectivePermissions: string[];
  lastUsedIp: string | null;
  createdBy: string;
  creator: AuditActor;
  rateLimitPerMinute: number;
  usage: TokenUsageDay[];
  children: TokenChild[];
};

export type PermissionAction = {
  name: string;
  permission: string;
  description: string;
  kind: string;
  cli: boolean;
  adminOnly: boolean;
};
export type PermissionResource = { name: string; description: string; actions: PermissionAction[] };

const SUMMARY_FIELDS =
  'id name description displayPrefix preset status active expiresAt revokedAt createdAt lastUsedAt';
const DETAIL_FIELDS = `${SUMMARY_FIELDS} permissions effectivePermissions lastUsedIp createdBy
  creator { type id name } rateLimitPerMinute usage(days: 30) { date count } children { id name status }`;

export const tokensQuery = operation<
  { tokens: { edges: { cursor: string; node: TokenSummary }[]; pageInfo: PageInfo } },
  { first: number; after: string | null }
>(`query Tokens($first: Int, $after: String) {
  tokens(first: $first, after: $after) {
    edges { cursor node { ${SUMMARY_FIELDS} } }
    pageInfo { hasNextPage endCursor }
  }
}`);

export const tokenQuery = operation<{ token: TokenDetail | null }, { id: string }>(
  `query Token($id: ID!) { token(id: $id) { ${DETAIL_FIELDS} } }`,
);

export const permissionCatalogueQuery = operation<{ permissionCatalogue: PermissionResource[] }>(
  `query PermissionCatalogue {
    permissionCatalogue { name description actions { name permission description kind cli adminOnly } }
  }`,
);

/** Optional fields are left out (not sent as null) when unused. */
export type CreateTokenInput = {
  name: string;
  description?: string | undefined;
  expiresAt?: string | undefined;
  preset: PermissionPreset;
  permissions?: string[] | undefined;
};

export const createTokenMutation = operation<
  { createToken: { token: TokenSummary; secret: string } },
  { input: CreateTokenInput }
>(`mutation CreateToken($input: CreateTokenInput!) {
  createToken(input: $input) { secret token { ${SUMMARY_FIELDS} } }
}`);

export const updateTokenMutation = operation<
  { updateToken: TokenDetail },
  { id: string; input: { name: string; description: string | null } }
>(`mutation UpdateToken($id: ID!, $input: UpdateTokenInput!) {
  updateToken(id: $id, input: $input) { ${DETAIL_FIELDS} }
}`);

export const setTokenActiveMutation = operation<
  { setTokenActive: TokenDetail },
  { id: string; active: boolean }
>(
  `mutation SetTokenActive($id: ID!, $active: Boolean!) {
    setTokenActive(id: $id, active: $active) { ${DETAIL_FIELDS} }
  }`,
);

export const revokeTokenMutation = operation<{ revokeToken: TokenDetail }, { id: string }>(
  `mutation RevokeToken($id: ID!) { revokeToken(id: $id) { ${DETAIL_FIELDS} } }`,
);
