import { parseBody } from '../http/body.js';
import type { Services } from '../services.js';
import { tokenJson } from '../tokens/token-json.js';
import type { ApiToken } from '../tokens/tokens.entity.js';
import type { RestRequest, RestRoute } from './rest.js';
import { createTokenBody } from './schemas.js';

/** Dashboard REST (cookie session + CSRF): thin adapters over TokensService, the same rules as GraphQL. */
export function dashboardTokenRoutes(services: Services): RestRoute[] {
  const json = ({ ctx }: RestRequest, token: ApiToken) =>
    ctx.principal.kind === 'anonymous'
      ? null
      : tokenJson(token, ctx.principal.account, services.catalogue, services.defaultTokenRate);
  return [
    {
      method: 'GET',
      path: '/api/tokens',
      handler: {
        auth: 'cookie',
        handle: async (request) => {
          const status = request.query.get('status')?.toUpperCase();
          const page = await services.tokens.listTokens(request.ctx, {
            status:
              status === 'ACTIVE' || status === 'INACTIVE' || status === 'EXPIRED' || status === 'REVOKED'
                ? status
                : null,
            first: 100,
          });
          return { body: { tokens: page.tokens.map((token) => json(request, token)) } };
        },
      },
    },
    {
      method: 'POST',
      path: '/api/tokens',
      handler: {
        auth: 'cookie',
        handle: async (request) => {
          const input = parseBody(createTokenBody('ALL'), await request.body());
          const { token, secret } = await services.tokens.createToken(request.ctx, input);
          return { status: 201, body: { token: json(request, token), secret } };
        },
      },
    },
    {
      method: 'DELETE',
      path: '/api/tokens/:id',
      handler: {
        auth: 'cookie',
        handle: async (request) => {
          const token = await services.tokens.revokeToken(request.ctx, request.params.id ?? '');
          return { body: { token: json(request, token) } };
        },
      },
    },
  ];
}
