/** Token management through POST /graphql with the saved token as the bearer credential. */
import type { CommandContext } from './context.js';

export type Preset = 'ALL' | 'READ_ONLY' | 'CLI' | 'CUSTOM';
export type TokenStatus = 'ACTIVE' | 'INACTIVE' | 'EXPIRED' | 'REVOKED';

export interface TokenNode {
  id: string;
  name: string;
  description: string | null;
  displayPrefix: string;
  preset: Preset;
  permissions: string[];
  status: TokenStatus;
  active: boolean;
  expiresAt: string | null;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

export interface CatalogueAction {
  name: string;
  permission: string;
  description: string;
  kind: string;
  cli: boolean;
}

export interface CatalogueResource {
  name: string;
  description: string;
  actions: CatalogueAction[];
}

export interface CreateTokenInput {
  name: string;
  description?: string;
  expiresInDays?: number;
  preset: Preset;
  permissions?: string[];
}

const TOKEN_FIELDS =
  'id name description displayPrefix preset permissions status active expiresAt createdAt lastUsedAt revokedAt';

/** The list query and page size (exported so tests can hold them to the server's query cost limit). */
export const LIST_TOKENS = `query KeywardCliTokens($first: Int, $after: String) {
  tokens(first: $first, after: $after) { edges { node { ${TOKEN_FIELDS} } } pageInfo { hasNextPage endCursor } }
}`;

const CREATE_TOKEN = `mutation KeywardCliCreateToken($input: CreateTokenInput!) {
  createToken(input: $input) { secret token { ${TOKEN_FIELDS} } }
}`;

const REVOKE_TOKEN = `mutation KeywardCliRevokeToken($id: ID!) { revokeToken(id: $id) { ${TOKEN_FIELDS} } }`;

const CATALOGUE = `query KeywardCliCatalogue {
  permissionCatalogue { name description actions { name permission description kind cli } }
}`;

export const PAGE_SIZE = 100;
/** Revoked tokens stay listed forever; this only guards against a server that never ends a page. */
const MAX_PAGES = 100;

/** Every token of the caller, newest first (all pages). */
export async function listTokens(ctx: CommandContext, token: string): Promise<TokenNode[]> {
  const nodes: TokenNode[] = [];
  let after: string | null = null;
  for (let page = 0; page < MAX_PAGES; page++) {
    const data: {
      tokens: {
        edges: { node: TokenNode }[];
        pageInfo: { hasNextPage: boolean; endCursor: string | null };
      };
    } = await ctx.api.graphql(LIST_TOKENS, { first: PAGE_SIZE, after }, token);
    nodes.push(...data.tokens.edges.map((edge) => edge.node));
    if (!data.tokens.pageInfo.hasNextPage || !data.tokens.pageInfo.endCursor) break;
    after = data.tokens.pageInfo.endCursor;
  }
  return nodes;
}

export async function createToken(
  ctx: CommandContext,
  token: string,
  input: CreateTokenInput,
): Promise<{ secret: string; token: TokenNode }> {
  const data = await ctx.api.graphql<{ createToken: { secret: string; token: TokenNode } }>(
    CREATE_TOKEN,
    { input },
    token,
  );
  return data.createToken;
}

export async function revokeToken(ctx: CommandContext, token: string, id: string): Promise<TokenNode> {
  const data = await ctx.api.graphql<{ revokeToken: TokenNode }>(REVOKE_TOKEN, { id }, token);
  return data.revokeToken;
}

/** The catalogue is public: no token is sent, so a broken saved token cannot get in the way. */
export async function fetchCatalogue(ctx: CommandContext): Promise<CatalogueResource[]> {
  const data = await ctx.api.graphql<{ permissionCatalogue: CatalogueResource[] }>(CATALOGUE, {}, null);
  return data.permissionCatalogue;
}

/** CLI spelling of a preset: all, read-only, cli, custom. */
export function presetLabel(preset: Preset): string {
  return preset.toLowerCase().replace('_', '-');
}

/**
 * Presets that include an action, by the catalogue's rules (SPEC 4.3): ALL holds every action,
 * READ_ONLY every `read` action, CLI every action flagged `cli`.
 */
export function presetsIncluding(action: Pick<CatalogueAction, 'kind' | 'cli'>): Preset[] {
  const presets: Preset[] = ['ALL'];
  if (action.kind === 'read') presets.push('READ_ONLY');
  if (action.cli) presets.push('CLI');
  return presets;
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
