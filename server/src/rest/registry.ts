import { hasProLicence } from '../accounts/licence.js';
import type { RequestContext } from '../context.js';
import { KeywardError } from '../errors.js';
import type { RegistryItemMeta, RegistryItemType, RegistryService } from '../registry/registry.service.js';
import { type RestResult, type RestRoute, requireTokenPermission } from './rest.js';

const notFound = (type: RegistryItemType) =>
  type === 'block' ? new KeywardError('block_not_found') : new KeywardError('component_not_found');

/** `?type=block` / `?type=component` narrows a lookup; anything else means component first, then block. */
function typeFilter(query: URLSearchParams): RegistryItemType | null {
  const type = query.get('type');
  return type === 'component' || type === 'block' ? type : null;
}

async function lookup(
  registry: RegistryService,
  slug: string,
  type: RegistryItemType | null,
): Promise<RegistryItemMeta> {
  const item = type ? await registry.find(type, slug) : await registry.findAny(slug);
  if (!item) throw notFound(type ?? 'component');
  return item;
}

function licenceMessage(item: RegistryItemMeta): string {
  return item.type === 'block'
    ? 'This premium block requires an active Keyward Pro component license (plan pro or team).'
    : 'This component requires an active Keyward Pro component license (plan pro or team).';
}

async function sourceResult(registry: RegistryService, item: RegistryItemMeta): Promise<RestResult> {
  const files = await registry.readSource(item);
  return {
    body: {
      slug: item.slug,
      name: item.name,
      description: item.description,
      type: item.type,
      tier: item.tier,
      version: item.version,
      files,
    },
    // Licensed source: never stored by shared caches (sendJson already says no-store; be explicit).
    headers: { 'Cache-Control': 'private, no-store' },
  };
}

/** Bearer CLI routes: the token's own permission first, then the item, then the licence. */
async function cliSource(
  registry: RegistryService,
  ctx: RequestContext,
  type: RegistryItemType,
  slug: string,
): Promise<RestResult> {
  const { principal } = ctx;
  if (principal.kind === 'anonymous') throw new KeywardError('missing_token');
  requireTokenPermission(ctx, type === 'block' ? 'blocks:read' : 'components:read');
  const item = await registry.find(type, slug);
  if (!item) throw notFound(type);
  if (item.tier === 'pro' && !hasProLicence(principal.account)) {
    throw new KeywardError('pro_license_required', licenceMessage(item));
  }
  return sourceResult(registry, item);
}

/**
 * The component registry (SPEC 7): public metadata (60/min per IP), browser source (free to anyone,
 * Pro behind a session and a licence) and the bearer CLI install routes. Metadata never carries
 * source; `/api/cli/whoami` lives in cli.ts and must come before `/api/cli/:slug` in the table.
 */
export function registryRoutes(registry: RegistryService): RestRoute[] {
  const limitRegistry = (ctx: RequestContext) => ctx.limit('registry', ctx.ip ?? 'unknown');
  return [
    {
      method: 'GET',
      path: '/api/registry',
      handler: {
        auth: 'none',
        handle: async ({ ctx }) => {
          await limitRegistry(ctx);
          const items = await registry.list();
          return {
            body: {
              components: items.filter((item) => item.type === 'component'),
              blocks: items.filter((item) => item.type === 'block'),
            },
          };
        },
      },
    },
    {
      method: 'GET',
      path: '/api/registry/:slug',
      handler: {
        auth: 'none',
        handle: async ({ ctx, params, query }) => {
          await limitRegistry(ctx);
          return { body: await lookup(registry, params.slug ?? '', typeFilter(query)) };
        },
      },
    },
    {
      method: 'GET',
      path: '/api/registry/:slug/source',
      handler: {
        auth: 'optional-cookie',
        handle: async ({ ctx, params, query }) => {
          await limitRegistry(ctx);
          const item = await lookup(registry, params.slug ?? '', typeFilter(query));
          if (item.tier === 'pro') {
            const { principal } = ctx;
            if (principal.kind !== 'session') {
              throw new KeywardError(
                'unauthenticated',
                `Log in to view the source of the Pro ${item.type} "${item.slug}".`,
              );
            }
            if (!hasProLicence(principal.account)) {
              throw new KeywardError('pro_license_required', licenceMessage(item));
            }
          }
          return sourceResult(registry, item);
        },
      },
    },
    {
      method: 'GET',
      path: '/api/cli/blocks/:slug',
      handler: {
        auth: 'bearer',
        source: 'cli',
        handle: ({ ctx, params }) => cliSource(registry, ctx, 'block', params.slug ?? ''),
      },
    },
    {
      method: 'GET',
      path: '/api/cli/:slug',
      handler: {
        auth: 'bearer',
        source: 'cli',
        handle: ({ ctx, params }) => cliSource(registry, ctx, 'component', params.slug ?? ''),
      },
    },
  ];
}
