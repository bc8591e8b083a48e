import { hasProLicence } from '../accounts/licence.js';
import { route } from '../edge/route.js';
import { KeywardError } from '../errors.js';
import { whoamiResponse } from './schemas.js';

/**
 * GET /api/cli/whoami: answers for any valid token, whatever its permissions (it is how clients
 * check a token). The body is computed once per cache entry of the token (token-cache.ts) and
 * dropped with it when the token or its owner changes.
 */
export const whoamiRoute = route({
  method: 'GET',
  path: '/api/cli/whoami',
  surface: 'rest',
  auth: { token: true, required: true },
  limit: { source: 'cli' },
  openapi: {
    summary: 'The calling token, its account and entitlements.',
    response: { status: 200, schema: whoamiResponse },
    tags: ['cli'],
  },
  handle: ({ ctx }) => {
    const { principal } = ctx;
    if (principal.kind !== 'token') throw new KeywardError('missing_token');
    principal.memo.whoami ??= JSON.stringify({
      account: {
        id: principal.account.id,
        email: principal.account.email,
        name: principal.account.name,
        plan: principal.account.plan,
      },
      token: {
        id: principal.token.id,
        name: principal.token.name,
        displayPrefix: principal.token.displayPrefix,
        permissions: [...principal.permissions].sort(),
        expiresAt: principal.token.expiresAt?.toISOString() ?? null,
      },
      entitlements: { proComponents: hasProLicence(principal.account) },
    });
    return { status: 200, raw: principal.memo.whoami, headers: JSON_TYPE };
  },
});

const JSON_TYPE = { 'content-type': 'application/json; charset=utf-8' };
