import { isRecord } from './api.js';
import { CliError } from './errors.js';

/** GET /api/cli/whoami. */
export interface Whoami {
  account: { id: string; email: string; name: string; plan: string };
  token: {
    id: string;
    name: string;
    displayPrefix: string;
    permissions: string[];
    expiresAt: string | null;
    /** Restrictions (servers before them leave these out). */
    allowedCidrs?: string[] | null;
    notBefore?: string | null;
    usageLimit?: number | null;
    usageRemaining?: number | null;
    usageRefill?: { amount: number; interval: string } | null;
  };
  entitlements: { proComponents: boolean };
}

/** Checks the fields the CLI prints; anything else the server adds is kept for --json. */
export function parseWhoami(body: unknown): Whoami {
  const account = isRecord(body) ? body.account : undefined;
  const token = isRecord(body) ? body.token : undefined;
  if (
    !isRecord(body) ||
    !isRecord(account) ||
    typeof account.email !== 'string' ||
    !isRecord(token) ||
    typeof token.name !== 'string' ||
    typeof token.displayPrefix !== 'string' ||
    !Array.isArray(token.permissions)
  ) {
    throw new CliError('The server answered /api/cli/whoami with an unexpected body.');
  }
  return body as unknown as Whoami;
}
