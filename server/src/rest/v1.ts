import { parseBody } from '../http/body.js';
import type { Services } from '../services.js';
import { type RestRoute, requireTokenPermission } from './rest.js';
import { createTokenBody, loginBody, refreshBody, revokeLeakedBody } from './schemas.js';

/** Watchplane-style programmatic login and API-token management (/api/v1), plus leak reports. */
export function v1Routes(services: Services): RestRoute[] {
  return [
    {
      method: 'POST',
      path: '/api/v1/auth/login',
      handler: {
        auth: 'none',
        handle: async ({ ctx, body }) => {
          await ctx.limit('login', ctx.ip ?? 'unknown');
          const { email, password } = parseBody(loginBody, await body());
          return { body: { data: await services.accessTokens.login(ctx.em(), email, password) } };
        },
      },
    },
    {
      method: 'POST',
      path: '/api/v1/auth/refresh-token',
      handler: {
        auth: 'none',
        handle: async ({ ctx, body }) => {
          const { refreshToken } = parseBody(refreshBody, await body());
          return { body: { data: await services.accessTokens.refresh(ctx.em(), refreshToken) } };
        },
      },
    },
    {
      method: 'POST',
      path: '/api/v1/api-tokens',
      handler: {
        auth: 'bearer-or-access',
        source: 'v1',
        handle: async ({ ctx, body }) => {
          requireTokenPermission(ctx, 'tokens:create');
          const input = parseBody(createTokenBody('ALL'), await body());
          const { token, secret } = await services.tokens.createToken(ctx, input);
          return {
            status: 201,
            body: {
              data: {
                id: token.id,
                name: token.name,
                token: secret,
                createdAt: token.createdAt.toISOString(),
              },
            },
          };
        },
      },
    },
    {
      method: 'DELETE',
      path: '/api/v1/api-tokens/:id',
      handler: {
        auth: 'bearer-or-access',
        source: 'v1',
        handle: async ({ ctx, params }) => {
          requireTokenPermission(ctx, 'tokens:revoke');
          const token = await services.tokens.revokeToken(ctx, params.id ?? '');
          return {
            body: {
              data: { id: token.id, name: token.name, revokedAt: token.revokedAt?.toISOString() ?? null },
            },
          };
        },
      },
    },
    {
      method: 'POST',
      path: '/api/tokens/revoke-leaked',
      handler: {
        auth: 'none',
        handle: async ({ ctx, body }) => {
          await ctx.limit('revoke-leaked', ctx.ip ?? 'unknown');
          const { tokens } = parseBody(revokeLeakedBody, await body());
          await services.tokens.revokeLeaked(ctx.em(), tokens, ctx.meta());
          // The same answer whether or not anything matched: the endpoint must not be an oracle.
          return { status: 202, body: { received: tokens.length } };
        },
      },
    },
  ];
}
