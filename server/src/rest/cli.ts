import { hasProLicence } from '../accounts/licence.js';
import { KeywardError } from '../errors.js';
import type { RestRoute } from './rest.js';

/** GET /api/cli/whoami: answers for any valid token, whatever its permissions (it is how clients check a token). */
export const whoamiRoute: RestRoute = {
  method: 'GET',
  path: '/api/cli/whoami',
  handler: {
    auth: 'bearer',
    source: 'cli',
    handle: async ({ ctx }) => {
      if (ctx.principal.kind !== 'token') throw new KeywardError('missing_token');
      const { account, token, permissions } = ctx.principal;
      return {
        body: {
          account: { id: account.id, email: account.email, name: account.name, plan: account.plan },
          token: {
            id: token.id,
            name: token.name,
            displayPrefix: token.displayPrefix,
            permissions: [...permissions].sort(),
            expiresAt: token.expiresAt?.toISOString() ?? null,
          },
          entitlements: { proComponents: hasProLicence(account) },
        },
      };
    },
  },
};
