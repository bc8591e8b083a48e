/**
 * Token management through POST /graphql with the saved token as the bearer credential. Every
 * operation is a typed document: result types come from schema.graphql, never written by hand.
 */
import type { CommandContext } from './context.js';
import { CliError } from './errors.js';
import { graphql, type ResultOf, type VariablesOf } from './graphql.js';
import { safeText } from './output.js';

/** The fields every command shows of a token. */
const TOKEN_FIELDS = graphql(`
  fragment KeywardCliToken on Token @_unmask {
    id name description displayPrefix preset permissions status active expiresAt createdAt lastUsedAt revokedAt
    allowedCidrs notBefore usageLimit usageRemaining usageRefill { amount interval }
  }
`);

export type TokenNode = ResultOf<typeof TOKEN_FIELDS>;
export type Preset = TokenNode['preset'];
export type TokenStatus = TokenNode['status'];

/** The list query and page size (exported so tests can hold them to the server's query cost limit). */
export const LIST_TOKENS = graphql(
  `
  query KeywardCliTokens($first: Int, $after: String) {
    tokens(first: $first, after: $after) {
      edges { node { ...KeywardCliToken } }
      pageInfo { hasNextPage endCursor }
    }
  }
`,
  [TOKEN_FIELDS],
);

/** An organization's own tokens, by its slug (its OWNERs and ADMINs only). */
export const LIST_ORGANIZATION_TOKENS = graphql(
  `
  query KeywardCliOrganizationTokens($slug: String!, $first: Int, $after: String) {
    organization(slug: $slug) {
      id
      tokens(first: $first, after: $after) {
        edges { node { ...KeywardCliToken } }
        pageInfo { hasNextPage endCursor }
      }
    }
  }
`,
  [TOKEN_FIELDS],
);

const ORGANIZATIONS = graphql(`
  query KeywardCliOrganizations { organizations { id slug name viewerRole } }
`);

const ORGANIZATION_ID = graphql(`
  query KeywardCliOrganization($slug: String!) { organization(slug: $slug) { id } }
`);

export type OrganizationNode = ResultOf<typeof ORGANIZATIONS>['organizations'][number];

const TOKEN_DETAIL = graphql(
  `
  query KeywardCliToken($id: ID!) {
    token(id: $id) {
      ...KeywardCliToken effectivePermissions lastUsedIp rateLimitPerMinute createdBy
      permissionUsage { permission lastUsedAt count }
      presetDrift
      rotation { successorId successorDisplayPrefix graceEndsAt oldSecretUses oldSecretLastUsedAt oldSecretLastUsedIp }
    }
  }
`,
  [TOKEN_FIELDS],
);

const TOKEN_USAGE = graphql(
  `
  query KeywardCliTokenUsage($id: ID!, $days: Int) {
    token(id: $id) { ...KeywardCliToken usage(days: $days) { date count } }
  }
`,
  [TOKEN_FIELDS],
);

const CREATE_TOKEN = graphql(
  `
  mutation KeywardCliCreateToken($input: CreateTokenInput!) {
    createToken(input: $input) { secret token { ...KeywardCliToken } }
  }
`,
  [TOKEN_FIELDS],
);

const REVOKE_TOKEN = graphql(
  `
  mutation KeywardCliRevokeToken($id: ID!) { revokeToken(id: $id) { ...KeywardCliToken } }
`,
  [TOKEN_FIELDS],
);

const ROTATE_TOKEN = graphql(
  `
  mutation KeywardCliRotateToken($id: ID!, $input: RotateTokenInput!) {
    rotateToken(id: $id, input: $input) {
      secret
      token { ...KeywardCliToken }
      rotatedToken { id rotation { graceEndsAt } }
    }
  }
`,
  [TOKEN_FIELDS],
);

const SET_TOKEN_ACTIVE = graphql(
  `
  mutation KeywardCliSetTokenActive($id: ID!, $active: Boolean!) {
    setTokenActive(id: $id, active: $active) { ...KeywardCliToken }
  }
`,
  [TOKEN_FIELDS],
);

const CATALOGUE = graphql(`
  query KeywardCliCatalogue {
    permissionCatalogue { name description actions { name permission description kind cli presets } }
  }
`);

export type CreateTokenInput = VariablesOf<typeof CREATE_TOKEN>['input'];
export type TokenDetail = NonNullable<ResultOf<typeof TOKEN_DETAIL>['token']>;
export type TokenUsage = NonNullable<ResultOf<typeof TOKEN_USAGE>['token']>;
export type CatalogueResource = ResultOf<typeof CATALOGUE>['permissionCatalogue'][number];

export const PAGE_SIZE = 100;
/** Revoked tokens stay listed forever; this only guards against a server that never ends a page. */
const MAX_PAGES = 100;

/** The organization `--org <slug>` names is none of the caller's (or unknown): the same answer. */
function organizationNotFound(slug: string): CliError {
  return new CliError(`No organization "${safeText(slug)}" among yours.`, {
    code: 'organization_not_found',
    hint: 'See `keyward org list` for the organizations you belong to.',
  });
}

/**
 * Every token of the caller, newest first (all pages); with `organization` (a slug), that
 * organization's own tokens instead.
 */
export async function listTokens(
  ctx: CommandContext,
  token: string,
  organization?: string,
): Promise<TokenNode[]> {
  if (organization !== undefined) return listOrganizationTokens(ctx, token, organization);
  const nodes: TokenNode[] = [];
  let after: string | null = null;
  for (let page = 0; page < MAX_PAGES; page++) {
    const data: ResultOf<typeof LIST_TOKENS> = await ctx.api.graphql(
      LIST_TOKENS,
      { first: PAGE_SIZE, after },
      token,
    );
    nodes.push(...data.tokens.edges.map((edge) => edge.node));
    if (!data.tokens.pageInfo.hasNextPage || !data.tokens.pageInfo.endCursor) break;
    after = data.tokens.pageInfo.endCursor;
  }
  return nodes;
}

async function listOrganizationTokens(
  ctx: CommandContext,
  token: string,
  slug: string,
): Promise<TokenNode[]> {
  const nodes: TokenNode[] = [];
  let after: string | null = null;
  for (let page = 0; page < MAX_PAGES; page++) {
    const data: ResultOf<typeof LIST_ORGANIZATION_TOKENS> = await ctx.api.graphql(
      LIST_ORGANIZATION_TOKENS,
      { slug, first: PAGE_SIZE, after },
      token,
    );
    if (!data.organization) throw organizationNotFound(slug);
    const { tokens } = data.organization;
    nodes.push(...tokens.edges.map((edge) => edge.node));
    if (!tokens.pageInfo.hasNextPage || !tokens.pageInfo.endCursor) break;
    after = tokens.pageInfo.endCursor;
  }
  return nodes;
}

/** The caller's organizations, by name, with the caller's role in each. */
export async function listOrganizations(ctx: CommandContext, token: string): Promise<OrganizationNode[]> {
  return (await ctx.api.graphql(ORGANIZATIONS, {}, token)).organizations;
}

/** The id of the caller's organization `slug`; organization_not_found otherwise. */
export async function organizationIdOf(ctx: CommandContext, token: string, slug: string): Promise<string> {
  const found = (await ctx.api.graphql(ORGANIZATION_ID, { slug }, token)).organization;
  if (!found) throw organizationNotFound(slug);
  return found.id;
}

/** One token with what `token show` prints; null when the server no longer finds it. */
export async function fetchToken(
  ctx: CommandContext,
  token: string,
  id: string,
): Promise<TokenDetail | null> {
  return (await ctx.api.graphql(TOKEN_DETAIL, { id }, token)).token;
}

/** One token with its requests per UTC day, oldest first. */
export async function fetchTokenUsage(
  ctx: CommandContext,
  token: string,
  id: string,
  days: number,
): Promise<TokenUsage | null> {
  return (await ctx.api.graphql(TOKEN_USAGE, { id, days }, token)).token;
}

export async function createToken(ctx: CommandContext, token: string, input: CreateTokenInput) {
  return (await ctx.api.graphql(CREATE_TOKEN, { input }, token)).createToken;
}

export async function revokeToken(ctx: CommandContext, token: string, id: string): Promise<TokenNode> {
  return (await ctx.api.graphql(REVOKE_TOKEN, { id }, token)).revokeToken;
}

/** Rotates a token: its successor (with the secret, once) and when the old secret stops working. */
export async function rotateToken(ctx: CommandContext, token: string, id: string, gracePeriodHours: number) {
  return (await ctx.api.graphql(ROTATE_TOKEN, { id, input: { gracePeriodHours } }, token)).rotateToken;
}

export async function setTokenActive(
  ctx: CommandContext,
  token: string,
  id: string,
  active: boolean,
): Promise<TokenNode> {
  return (await ctx.api.graphql(SET_TOKEN_ACTIVE, { id, active }, token)).setTokenActive;
}

/** The catalogue is public: no token is sent, so a broken saved token cannot get in the way. */
export async function fetchCatalogue(ctx: CommandContext): Promise<CatalogueResource[]> {
  return (await ctx.api.graphql(CATALOGUE, {}, null)).permissionCatalogue;
}

/** CLI spelling of a preset: all, read-only, cli, custom. */
export function presetLabel(preset: Preset): string {
  return preset.toLowerCase().replace('_', '-');
}

/** "all permissions (preset all)", "tokens:read, tokens:create (preset cli)", or the custom list. */
export function describeScopes(node: Pick<TokenNode, 'preset' | 'permissions'>): string {
  if (node.preset === 'ALL') return 'all permissions (preset all)';
  const list = node.permissions.length > 0 ? node.permissions.join(', ') : 'none';
  return node.preset === 'CUSTOM' ? list : `${list} (preset ${presetLabel(node.preset)})`;
}

/** The 8-character id shown in lists. */
export function shortId(id: string): string {
  return id.slice(0, 8);
}

/** "7 of 10 left", with the refill when there is one; null for a token without credits. */
export function describeCredits(token: {
  usageLimit?: number | null;
  usageRemaining?: number | null;
  usageRefill?: { amount: number; interval: string } | null;
}): string | null {
  if (token.usageLimit == null) return null;
  const refill = token.usageRefill
    ? `, back to ${token.usageRefill.amount} each ${token.usageRefill.interval.toLowerCase()}`
    : '';
  return `${token.usageRemaining ?? 0} of ${token.usageLimit} left${refill}`;
}

/** Key-value rows for a token's restrictions, only those it has. */
export function restrictionRows(token: {
  allowedCidrs?: readonly string[] | null;
  notBefore?: string | null;
  usageLimit?: number | null;
  usageRemaining?: number | null;
  usageRefill?: { amount: number; interval: string } | null;
}): [string, string][] {
  const rows: [string, string][] = [];
  if (token.allowedCidrs) rows.push(['Allowed from', token.allowedCidrs.join(', ')]);
  if (token.notBefore) rows.push(['Not before', token.notBefore]);
  const credits = describeCredits(token);
  if (credits) rows.push(['Credits', credits]);
  return rows;
}
