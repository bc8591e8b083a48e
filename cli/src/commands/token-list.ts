import type { Command } from 'commander';
import { createContext, type GlobalOptions } from '../context.js';
import { formatExpiry, paintOut, print, printJson, relativeTime, safeText } from '../output.js';
import { DISPLAY_PREFIX_LENGTH } from '../resolve-token.js';
import { describeCredits, describeScopes, listTokens, shortId, type TokenNode } from '../tokens-api.js';

/** Live tokens expiring within this many days are flagged (the server's first reminder window). */
export const EXPIRES_SOON_DAYS = 7;

/** Whether a live (active or inactive) token expires within EXPIRES_SOON_DAYS. */
export function expiresSoon(node: TokenNode, now: number = Date.now()): boolean {
  if (node.expiresAt === null || node.status === 'EXPIRED' || node.status === 'REVOKED') return false;
  const left = Date.parse(node.expiresAt) - now;
  return left > 0 && left <= EXPIRES_SOON_DAYS * 86_400_000;
}

const MARKERS: Partial<Record<TokenNode['status'], string>> = {
  EXPIRED: '[EXPIRED]',
  INACTIVE: '[INACTIVE]',
  REVOKED: '[REVOKED]',
  PENDING: '[PENDING]',
};

export function registerTokenListCommand(token: Command): void {
  token
    .command('list')
    .alias('ls')
    .description(
      'List your tokens, newest first, with status, scopes, last use and expiry (flagged within 7 days)',
    )
    .option('--json', 'print the tokens as JSON (with expiresSoon: expires within 7 days)')
    .option('--org <slug>', "list that organization's own tokens instead (its owners and admins)")
    .action(async (options: { json?: boolean; org?: string }, command: Command) => {
      const ctx = createContext(command.optsWithGlobals<GlobalOptions>());
      const bearer = ctx.requireToken();
      const tokens = await listTokens(ctx, bearer, options.org);
      if (options.json) return printJson(tokens.map((node) => ({ ...node, expiresSoon: expiresSoon(node) })));
      const org = options.org === undefined ? '' : ` --org ${safeText(options.org)}`;
      if (tokens.length === 0) {
        print(`No API tokens yet. Create one with \`keyward token create <name>${org}\`.`);
        return;
      }
      const current = bearer.slice(0, DISPLAY_PREFIX_LENGTH);
      const title =
        options.org === undefined ? 'API tokens' : `API tokens of organization ${safeText(options.org)}`;
      print(paintOut('bold', `${title} (${tokens.length})`));
      for (const node of tokens) {
        print();
        for (const line of describeToken(node, node.displayPrefix === current)) print(line);
      }
    });
}

/** Three lines per token, in the shape of `wit token list`. */
export function describeToken(node: TokenNode, isCurrent: boolean, now: number = Date.now()): string[] {
  const marker = MARKERS[node.status];
  const title = [
    paintOut('cyan', `${node.displayPrefix}...`),
    marker
      ? paintOut(node.status === 'INACTIVE' || node.status === 'PENDING' ? 'yellow' : 'red', marker)
      : '',
    expiresSoon(node, now) && node.expiresAt
      ? paintOut('yellow', `[expires ${relativeTime(node.expiresAt, now)}]`)
      : '',
    paintOut('bold', safeText(node.name)),
    isCurrent ? paintOut('dim', '(this token)') : '',
  ]
    .filter(Boolean)
    .join('  ');
  const lastUsed = node.lastUsedAt ? relativeTime(node.lastUsedAt, now) : 'never';
  let ending: string;
  if (node.status === 'REVOKED' && node.revokedAt) ending = `Revoked: ${formatExpiry(node.revokedAt, now)}`;
  else if (node.status === 'EXPIRED') ending = `Expired: ${formatExpiry(node.expiresAt, now)}`;
  else ending = `Expires: ${formatExpiry(node.expiresAt, now)}`;
  const credits = describeCredits(node);
  return [
    title,
    `  ID: ${shortId(node.id)}  Scopes: ${describeScopes(node)}${credits ? `  Credits: ${credits}` : ''}`,
    `  Last used: ${lastUsed}  •  ${ending}`,
  ];
}
