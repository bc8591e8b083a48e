import { hasProLicence } from '../accounts/licence.js';
import { route } from '../edge/route.js';
import { KeywardError } from '../errors.js';
import type { Principal } from '../principal.js';
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
    summary: 'The calling token (its restrictions and credits left included), its account and entitlements.',
    response: { status: 200, schema: whoamiResponse },
    tags: ['cli'],
  },
  handle: ({ ctx }) => {
    const { principal } = ctx;
    if (principal.kind !== 'token') throw new KeywardError('missing_token');
    const { restrictions } = principal.token;
    if (restrictions.usageLimit !== null) {
      // The credits left change with every request: the memo keeps the body around them.
      principal.memo.whoamiParts ??= splitAt(whoamiBody(principal, USAGE_MARK), `${USAGE_MARK}`);
      const [head, tail] = principal.memo.whoamiParts;
      return { status: 200, raw: `${head}${ctx.usageRemaining ?? 0}${tail}`, headers: JSON_TYPE };
    }
    principal.memo.whoami ??= whoamiBody(principal, null);
    return { status: 200, raw: principal.memo.whoami, headers: JSON_TYPE };
  },
});

/** A number no count can be, marking where usageRemaining goes. */
const USAGE_MARK = -0.5;

function splitAt(body: string, mark: string): [string, string] {
  const at = body.indexOf(`"usageRemaining":${mark}`) + '"usageRemaining":'.length;
  return [body.slice(0, at), body.slice(at + mark.length)];
}

function whoamiBody(principal: Extract<Principal, { kind: 'token' }>, usageRemaining: number | null): string {
  const { restrictions } = principal.token;
  return JSON.stringify({
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
      allowedCidrs: restrictions.allowedCidrs,
      notBefore: restrictions.notBefore?.toISOString() ?? null,
      usageLimit: restrictions.usageLimit,
      usageRemaining,
      usageRefill: restrictions.usageRefill,
    },
    entitlements: { proComponents: hasProLicence(principal.account) },
  });
}

const JSON_TYPE = { 'content-type': 'application/json; charset=utf-8' };
