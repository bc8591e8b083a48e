import { hasProLicence } from '../accounts/licence.js';
import { type EdgeResult, type Route, route } from '../edge/route.js';
import { KeywardError } from '../errors.js';
import type { Principal } from '../principal.js';
import type { RegistryItemMeta, RegistryItemType, RegistryService } from '../registry/registry.service.js';
import { registryItemResponse, registryListResponse, registrySourceResponse } from './schemas.js';

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

async function sourceResult(registry: RegistryService, item: RegistryItemMeta): Promise<EdgeResult> {
  const files = await registry.readSource(item);
  return {
    json: {
      slug: item.slug,
      name: item.name,
      description: item.description,
      type: item.type,
      tier: item.tier,
      version: item.version,
      files,
    },
    // Licensed source: never stored by shared caches (every API answer says no-store; be explicit).
    headers: { 'Cache-Control': 'private, no-store' },
  };
}

/** Bearer CLI routes: the permission (declared on the route) first, then the item, then the licence. */
async function cliSource(
  registry: RegistryService,
  principal: Principal,
  type: RegistryItemType,
  slug: string,
): Promise<EdgeResult> {
  if (principal.kind === 'anonymous') throw new KeywardError('missing_token');
  const item = await registry.find(type, slug);
  if (!item) throw notFound(type);
  if (item.tier === 'pro' && !hasProLicence(principal.account)) {
    throw new KeywardError('pro_license_required', licenceMessage(item));
  }
  return sourceResult(registry, item);
}

const bearer = { token: true, required: true } as const;
const anyone = { required: false } as const;

/**
 * The component registry: public metadata (60/min per IP), browser source (free to anyone, Pro
 * behind a session and a licence) and the bearer CLI install routes. Metadata never carries
 * source. `/api/cli/whoami` (cli.ts) is a fixed path, so it always wins over `/api/cli/:slug`.
 */
export function registryRoutes(registry: RegistryService): Route[] {
  return [
    route({
      method: 'GET',
      path: '/api/registry',
      surface: 'rest',
      auth: anyone,
      limit: { ip: 'registry' },
      openapi: {
        summary: 'Public metadata of every component and block.',
        response: { status: 200, schema: registryListResponse },
        tags: ['registry'],
      },
      handle: async () => {
        const items = await registry.list();
        return {
          json: {
            components: items.filter((item) => item.type === 'component'),
            blocks: items.filter((item) => item.type === 'block'),
          },
        };
      },
    }),
    route({
      method: 'GET',
      path: '/api/registry/:slug',
      surface: 'rest',
      auth: anyone,
      limit: { ip: 'registry' },
      openapi: {
        summary: "One item's metadata; ?type=component|block narrows the lookup.",
        response: { status: 200, schema: registryItemResponse },
        errors: ['component_not_found', 'block_not_found'],
        tags: ['registry'],
      },
      handle: async ({ params, query }) => ({
        json: await lookup(registry, params.slug ?? '', typeFilter(query)),
      }),
    }),
    route({
      method: 'GET',
      path: '/api/registry/:slug/source',
      surface: 'rest',
      auth: { cookie: true, deadSessionIsAnonymous: true, required: false },
      limit: { ip: 'registry' },
      openapi: {
        summary: "An item's source for the browser: free to anyone, Pro with a session and a licence.",
        response: { status: 200, schema: registrySourceResponse },
        errors: ['component_not_found', 'block_not_found', 'pro_license_required'],
        tags: ['registry'],
      },
      handle: async ({ ctx, params, query }) => {
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
    }),
    route({
      method: 'GET',
      path: '/api/cli/blocks/:slug',
      surface: 'rest',
      auth: bearer,
      permission: 'blocks:read',
      limit: { source: 'cli' },
      openapi: {
        summary: 'A premium block’s source, for `keyward add --type block`.',
        response: { status: 200, schema: registrySourceResponse },
        errors: ['block_not_found', 'pro_license_required'],
        tags: ['cli'],
      },
      handle: ({ ctx, params }) => cliSource(registry, ctx.principal, 'block', params.slug ?? ''),
    }),
    route({
      method: 'GET',
      path: '/api/cli/:slug',
      surface: 'rest',
      auth: bearer,
      permission: 'components:read',
      limit: { source: 'cli' },
      openapi: {
        summary: 'A component’s source, for `keyward add`.',
        response: { status: 200, schema: registrySourceResponse },
        errors: ['component_not_found', 'pro_license_required'],
        tags: ['cli'],
      },
      handle: ({ ctx, params }) => cliSource(registry, ctx.principal, 'component', params.slug ?? ''),
    }),
  ];
}
