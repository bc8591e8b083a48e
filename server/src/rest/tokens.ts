import { z } from 'zod';
import type { Route } from '../edge/route.js';
import { route } from '../edge/route.js';
import type { Services } from '../services.js';
import { tokenJson } from '../tokens/token-json.js';
import type { ApiToken } from '../tokens/tokens.entity.js';
import { accountOf } from './rest.js';
import { createTokenBody, rotateTokenBody, tokenResponse } from './schemas.js';

const STATUSES = ['ACTIVE', 'INACTIVE', 'EXPIRED', 'REVOKED', 'PENDING'] as const;

/** Dashboard REST (cookie session + CSRF): thin adapters over TokensService, the same rules as GraphQL. */
export function dashboardTokenRoutes(services: Services): Route[] {
  /** The tokens as answered, with the credits left of those that have a usageLimit (one query). */
  const json = async (tokens: ApiToken[], principal: Parameters<typeof accountOf>[0]) => {
    const remaining = await services.credits.remaining(
      tokens.filter((token) => token.usageLimit !== null).map((token) => token.id),
    );
    return tokens.map((token) =>
      tokenJson(
        token,
        accountOf(principal),
        services.catalogue,
        services.defaultTokenRate,
        remaining.get(token.id) ?? 0,
      ),
    );
  };
  const session = { cookie: true, required: true } as const;
  return [
    route({
      method: 'GET',
      path: '/api/tokens',
      surface: 'rest',
      auth: session,
      permission: 'tokens:read',
      openapi: {
        summary: "List the signed-in account's tokens (newest first, at most 100); ?status= filters.",
        response: { status: 200, schema: z.object({ tokens: z.array(tokenResponse) }) },
        tags: ['dashboard'],
      },
      handle: async ({ ctx, query }) => {
        const status = query.get('status')?.toUpperCase();
        const known = STATUSES.find((one) => one === status);
        const page = await services.tokens.listTokens(ctx.em(), ctx.caller(), {
          statuses: known ? [known] : null,
          first: 100,
        });
        return { json: { tokens: await json(page.tokens, ctx.principal) } };
      },
    }),
    route({
      method: 'POST',
      path: '/api/tokens',
      surface: 'rest',
      auth: session,
      permission: 'tokens:create',
      body: createTokenBody('ALL'),
      openapi: {
        summary: 'Create a token; the answer holds its secret, once.',
        response: { status: 201, schema: z.object({ token: tokenResponse, secret: z.string() }) },
        errors: ['token_limit_reached', 'email_not_verified', 'rate_limit_exceeded'],
        tags: ['dashboard'],
      },
      handle: async ({ ctx, body }) => {
        const created = await services.tokens.createToken(ctx.em(), ctx.caller(), body);
        ctx.rateLimited(created.rateLimit);
        const [token] = await json([created.token], ctx.principal);
        return { status: 201, json: { token, secret: created.secret } };
      },
    }),
    route({
      method: 'POST',
      path: '/api/tokens/:id/rotate',
      surface: 'rest',
      auth: session,
      permission: 'tokens:create',
      body: rotateTokenBody,
      openapi: {
        summary:
          'Rotate one of your tokens: a successor (its secret, once) replaces it; the old secret works for the grace period (gracePeriodHours, 0–168, default 24), then answers token_rotated.',
        response: {
          status: 201,
          schema: z.object({ token: tokenResponse, secret: z.string(), rotatedToken: tokenResponse }),
        },
        errors: ['conflict', 'token_limit_reached', 'email_not_verified'],
        tags: ['dashboard'],
      },
      handle: async ({ ctx, params, body }) => {
        const rotated = await services.tokens.rotateToken(ctx.em(), ctx.caller(), params.id ?? '', body);
        const [token, rotatedToken] = await json([rotated.token, rotated.rotated], ctx.principal);
        return { status: 201, json: { token, secret: rotated.secret, rotatedToken } };
      },
    }),
    route({
      method: 'DELETE',
      path: '/api/tokens/:id',
      surface: 'rest',
      auth: session,
      permission: 'tokens:revoke',
      openapi: {
        summary: 'Revoke one of your tokens (idempotent).',
        response: { status: 200, schema: z.object({ token: tokenResponse }) },
        tags: ['dashboard'],
      },
      handle: async ({ ctx, params }) => {
        const token = await services.tokens.revokeToken(ctx.em(), ctx.caller(), params.id ?? '');
        return { json: { token: (await json([token], ctx.principal))[0] } };
      },
    }),
  ];
}
