import type { Command } from 'commander';
import { createContext, type GlobalOptions } from '../context.js';
import { CliError, usageError } from '../errors.js';
import { paintOut, print, printJson, safeText, warn } from '../output.js';
import { confirm } from '../prompt.js';
import {
  CONFIRM_PREFIX_BELOW,
  cleanReference,
  DISPLAY_PREFIX_LENGTH,
  isExactReference,
} from '../resolve-token.js';
import { revokeToken, shortId, type TokenNode } from '../tokens-api.js';
import { findToken, REF_ARGUMENT_HELP } from './token-find.js';

interface RevokeOptions {
  yes?: boolean;
  json?: boolean;
  org?: string;
}

export function registerTokenRevokeCommand(token: Command): void {
  token
    .command('revoke')
    .aliases(['delete', 'rm'])
    .description('Revoke a token for good (it stops working on the next request)')
    .argument('<ref>', REF_ARGUMENT_HELP)
    .option(
      '-y, --yes',
      `revoke without asking, even by a prefix shorter than ${CONFIRM_PREFIX_BELOW} characters`,
    )
    .option('--json', 'print the revoked token as JSON')
    .option('--org <slug>', "find the token among that organization's own tokens (its owners and admins)")
    .addHelpText(
      'after',
      '\nA prefix that matches several tokens revokes nothing and lists the candidates;\n' +
        `give more characters, the full id or the exact name. A prefix shorter than ${CONFIRM_PREFIX_BELOW}\n` +
        'characters asks for confirmation (without a terminal, pass --yes). Revoking a token also\n' +
        'revokes every token created with it.',
    )
    .action(async (ref: string, options: RevokeOptions, command: Command) => {
      const ctx = createContext(command.optsWithGlobals<GlobalOptions>());
      const bearer = ctx.requireToken();
      const target = await findToken(ctx, bearer, ref, 'nothing was revoked', options.org);
      if (target.status === 'REVOKED') {
        if (options.json) return printJson(target);
        print(`Token "${safeText(target.name)}" (${target.displayPrefix}...) was already revoked.`);
        return;
      }
      await confirmShortPrefix(ref, target, options.yes === true);
      const revoked = await revokeToken(ctx, bearer, target.id);
      if (options.json) printJson(revoked);
      else {
        print(`${paintOut('green', 'Revoked token:')} ${safeText(revoked.name)}`);
        print(`  ${revoked.displayPrefix}...  (id ${shortId(revoked.id)})`);
      }
      if (revoked.displayPrefix === bearer.slice(0, DISPLAY_PREFIX_LENGTH)) {
        warn('that was the token this CLI uses; run `keyward login` with another token.');
      }
    });
}

/** A short prefix may well mean another token than the one it hit: ask, unless told not to. */
async function confirmShortPrefix(ref: string, target: TokenNode, yes: boolean): Promise<void> {
  if (yes || isExactReference(ref, target) || cleanReference(ref).length >= CONFIRM_PREFIX_BELOW) return;
  const what = `"${safeText(target.name)}" (${target.displayPrefix}..., id ${shortId(target.id)})`;
  if (!process.stdin.isTTY) {
    throw usageError(
      `"${cleanReference(ref)}" is a short prefix: confirm revoking ${what} with --yes.`,
      `Or give at least ${CONFIRM_PREFIX_BELOW} characters, the full id or the exact name.`,
    );
  }
  if (!(await confirm(`Revoke token ${what}?`))) {
    throw new CliError('Cancelled: nothing was revoked.', { code: 'cancelled' });
  }
}
