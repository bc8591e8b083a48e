import { z } from 'zod';
import { type Route, route } from '../edge/route.js';
import type { Services } from '../services.js';
import {
  createTokenBody,
  loginBody,
  refreshBody,
  registerBody,
  registeredResponse,
  restorePasswordBody,
  restorePasswordResponse,
  revokeLeakedBody,
  tokenPairResponse,
} from './schemas.js';

const v1Credentials = { token: true, access: true, required: true } as const;

/** Watchplane-style programmatic login and API-token management (/api/v1), plus leak reports. */
export function v1Routes(services: Services): Route[] {
  return [
    route({
      method: 'POST',
      path: '/api/v1/auth/login',
      surface: 'rest',
      auth: { required: false },
      // Every attempt counts, whatever its outcome.
      limit: { ip: 'login' },
      body: loginBody,
      openapi: {
        summary: 'Programmatic login: an access token (1 hour) and a rotating refresh token.',
        response: { status: 200, schema: tokenPairResponse },
        errors: ['invalid_credentials', 'rate_limit_exceeded'],
        tags: ['v1'],
      },
      handle: async ({ ctx, body }) => ({
        json: { data: await services.accessTokens.login(ctx.em(), body.email, body.password, ctx.meta()) },
      }),
    }),
    route({
      method: 'POST',
      path: '/api/v1/auth/register',
      surface: 'rest',
      auth: { required: false },
      // The same per-IP policy, and so the same count, as GraphQL's register.
      limit: { ip: 'register' },
      body: registerBody,
      openapi: {
        summary:
          'Create an account (unverified, plan free) and mail its verification link; log in with /api/v1/auth/login.',
        response: { status: 201, schema: registeredResponse },
        errors: ['email_taken'],
        tags: ['v1'],
      },
      handle: async ({ ctx, body }) => {
        const account = await services.accounts.register(ctx.em(), body, ctx.origin, ctx.meta());
        const { id, email, name, emailVerified } = account;
        return { status: 201, json: { data: { user: { id, email, name, emailVerified } } } };
      },
    }),
    route({
      method: 'POST',
      path: '/api/v1/auth/restore-password',
      surface: 'rest',
      auth: { required: false },
      // Shared with GraphQL's requestPasswordReset, as is the per-address limit inside the service.
      limit: { ip: 'password-reset' },
      body: restorePasswordBody,
      openapi: {
        summary:
          'Mail a password-reset link when an account has the address; the same answer, in the same time, either way.',
        response: { status: 202, schema: restorePasswordResponse },
        tags: ['v1'],
      },
      handle: async ({ ctx, body }) => {
        await services.accounts.requestPasswordReset(ctx.em(), body.email, ctx.origin, ctx.meta());
        return {
          status: 202,
          json: { data: { message: 'If an account has this address, a password-reset link is on its way.' } },
        };
      },
    }),
    route({
      method: 'POST',
      path: '/api/v1/auth/refresh-token',
      surface: 'rest',
      auth: { required: false },
      body: refreshBody,
      openapi: {
        summary: 'Trade a refresh token for a new pair; a reused refresh token ends the whole login.',
        response: { status: 200, schema: tokenPairResponse },
        errors: ['invalid_token', 'token_expired'],
        tags: ['v1'],
      },
      handle: async ({ ctx, body }) => ({
        json: { data: await services.accessTokens.refresh(ctx.em(), body.refreshToken, ctx.meta()) },
      }),
    }),
    route({
      method: 'POST',
      path: '/api/v1/api-tokens',
      surface: 'rest',
      auth: v1Credentials,
      permission: 'tokens:create',
      limit: { source: 'v1' },
      body: createTokenBody('ALL'),
      openapi: {
        summary:
          "Create an API token with an access token (or an API token holding tokens:create). With organizationId, an organization token: only the organization's OWNERs and ADMINs may (and the credential needs org-tokens:manage too).",
        response: {
          status: 201,
          schema: z.object({
            data: z.object({
              id: z.string(),
              name: z.string(),
              token: z.string(),
              createdAt: z.string(),
              organizationId: z
                .string()
                .optional()
                .describe("Only for an organization token: the organization's id."),
            }),
          }),
        },
        errors: [
          'token_limit_reached',
          'email_not_verified',
          'rate_limit_exceeded',
          'not_found',
          'forbidden',
          'policy_expiry_required',
          'policy_max_lifetime_exceeded',
          'policy_preset_not_allowed',
        ],
        tags: ['v1'],
      },
      handle: async ({ ctx, body }) => {
        const { token, secret, rateLimit } = await services.tokens.createToken(ctx.em(), ctx.caller(), body);
        ctx.rateLimited(rateLimit);
        return {
          status: 201,
          json: {
            data: {
              id: token.id,
              name: token.name,
              token: secret,
              createdAt: token.createdAt.toISOString(),
              // The published answer is {id, name, token, createdAt}; an organization token adds its organization.
              ...(token.organization === null ? {} : { organizationId: token.organization }),
            },
          },
        };
      },
    }),
    route({
      method: 'DELETE',
      path: '/api/v1/api-tokens/:id',
      surface: 'rest',
      auth: v1Credentials,
      permission: 'tokens:revoke',
      limit: { source: 'v1' },
      openapi: {
        summary:
          "Revoke one of your API tokens (idempotent), or as an organization's OWNER or ADMIN one of its tokens or a member's token that reaches it.",
        response: {
          status: 200,
          schema: z.object({
            data: z.object({ id: z.string(), name: z.string(), revokedAt: z.string().nullable() }),
          }),
        },
        tags: ['v1'],
      },
      handle: async ({ ctx, params }) => {
        const token = await services.tokens.revokeToken(ctx.em(), ctx.caller(), params.id ?? '');
        return {
          json: {
            data: { id: token.id, name: token.name, revokedAt: token.revokedAt?.toISOString() ?? null },
          },
        };
      },
    }),
    route({
      method: 'POST',
      path: '/api/tokens/revoke-leaked',
      surface: 'rest',
      auth: { required: false },
      limit: { ip: 'revoke-leaked' },
      body: revokeLeakedBody,
      openapi: {
        summary:
          'Report leaked secrets: any that name a live token are revoked; the answer is the same either way.',
        response: { status: 202, schema: z.object({ received: z.number().int() }) },
        tags: ['tokens'],
      },
      handle: async ({ ctx, body }) => {
        await services.tokens.revokeLeaked(ctx.em(), body.tokens, ctx.meta());
        // The same answer whether or not anything matched: the endpoint must not be an oracle.
        return { status: 202, json: { received: body.tokens.length } };
      },
    }),
  ];
}
