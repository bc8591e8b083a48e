import type { Command } from 'commander';
import { createContext, type GlobalOptions } from '../context.js';
import { CliError, usageError } from '../errors.js';
import { paintOut, print, safeText, warn } from '../output.js';
import {
  cleanReference,
  DISPLAY_PREFIX_LENGTH,
  displayReference,
  looksLikeSecret,
  MIN_REFERENCE_LENGTH,
  resolveTokenReference,
} from '../resolve-token.js';
import { listTokens, revokeToken, shortId, type TokenNode } from '../tokens-api.js';

const candidateLine = (node: TokenNode) =>
  `  ${node.displayPrefix}...  ${node.name}  (id ${shortId(node.id)}, ${node.status.toLowerCase()})`;

export function registerTokenRevokeCommand(token: Command): void {
  token
    .command('revoke')
    .aliases(['delete', 'rm'])
    .description('Revoke a token for good (it stops working on the next request)')
    .argument(
      '<ref>',
      'a token id, id prefix, or token prefix such as kw_4Jf0a1b2 (from `keyward token list`)',
    )
    .addHelpText(
      'after',
      '\nA prefix that matches several tokens revokes nothing and lists the candidates;\n' +
        'give more characters or the full id.',
    )
    .action(async (ref: string, _options: unknown, command: Command) => {
      const ctx = createContext(command.optsWithGlobals<GlobalOptions>());
      const reference = cleanReference(ref);
      const shown = displayReference(reference);
      if (reference.length < MIN_REFERENCE_LENGTH) {
        throw usageError(`"${shown}" is too short: give at least ${MIN_REFERENCE_LENGTH} characters.`);
      }
      if (looksLikeSecret(reference)) {
        warn(
          'that looks like a whole token secret; matching it by its prefix. Next time pass only the prefix.',
        );
      }
      const bearer = ctx.requireToken();
      const resolution = resolveTokenReference(reference, await listTokens(ctx, bearer));
      if (resolution.kind === 'none') {
        throw new CliError(`No token matches "${shown}".`, {
          hint: 'See `keyward token list` for ids and prefixes.',
        });
      }
      if (resolution.kind === 'ambiguous') {
        throw new CliError(
          `"${shown}" matches ${resolution.candidates.length} tokens; nothing was revoked.`,
          {
            hint: `${resolution.candidates.map(candidateLine).join('\n')}\nGive a longer prefix or the full id.`,
          },
        );
      }
      const target = resolution.token;
      if (target.status === 'REVOKED') {
        print(`Token "${safeText(target.name)}" (${target.displayPrefix}...) was already revoked.`);
        return;
      }
      const revoked = await revokeToken(ctx, bearer, target.id);
      print(`${paintOut('green', 'Revoked token:')} ${safeText(revoked.name)}`);
      print(`  ${revoked.displayPrefix}...  (id ${shortId(revoked.id)})`);
      if (revoked.displayPrefix === bearer.slice(0, DISPLAY_PREFIX_LENGTH)) {
        warn('that was the token this CLI uses; run `keyward login` with another token.');
      }
    });
}
