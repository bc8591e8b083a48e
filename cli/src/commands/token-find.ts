/** Finding the one token a command's `<ref>` argument means, or failing with the candidates. */
import type { CommandContext } from '../context.js';
import { CliError, usageError } from '../errors.js';
import { safeText, warn } from '../output.js';
import {
  cleanReference,
  displayReference,
  looksLikeSecret,
  MIN_REFERENCE_LENGTH,
  resolveTokenReference,
} from '../resolve-token.js';
import { listTokens, shortId, type TokenNode } from '../tokens-api.js';

export const REF_ARGUMENT_HELP =
  'a token id, its exact name, an id prefix, or a token prefix such as kw_4Jf0a1b2 (from `keyward token list`)';

const candidateLine = (node: TokenNode) =>
  `  ${node.displayPrefix}...  ${safeText(node.name)}  (id ${shortId(node.id)}, ${node.status.toLowerCase()})`;

/**
 * The caller's token that `ref` means. No match and several matches are failures (exit 1) that
 * change nothing; a reference too short to be a prefix and matching no name is a usage error.
 * `unchanged` words what did not happen, e.g. "nothing was revoked".
 */
export async function findToken(
  ctx: CommandContext,
  bearer: string,
  ref: string,
  unchanged: string,
  /** An organization's slug: look among its tokens instead of the caller's own. */
  organization?: string,
): Promise<TokenNode> {
  const reference = cleanReference(ref);
  const shown = displayReference(reference);
  if (looksLikeSecret(reference)) {
    warn('that looks like a whole token secret; matching it by its prefix. Next time pass only the prefix.');
  }
  const resolution = resolveTokenReference(reference, await listTokens(ctx, bearer, organization));
  if (resolution.kind === 'match') return resolution.token;
  if (resolution.kind === 'ambiguous') {
    throw new CliError(`"${shown}" matches ${resolution.candidates.length} tokens; ${unchanged}.`, {
      code: 'ambiguous_reference',
      hint: `${resolution.candidates.map(candidateLine).join('\n')}\nGive a longer prefix or the full id.`,
    });
  }
  if (reference.length < MIN_REFERENCE_LENGTH) {
    throw usageError(
      `"${shown}" is too short: give at least ${MIN_REFERENCE_LENGTH} characters of a prefix, or a token's exact name.`,
    );
  }
  throw new CliError(`No token matches "${shown}".`, {
    code: 'token_not_found',
    hint: `See \`keyward token list${organization === undefined ? '' : ` --org ${safeText(organization)}`}\` for ids, names and prefixes.`,
  });
}
