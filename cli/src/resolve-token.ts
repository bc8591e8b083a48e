/**
 * Which token `keyward token revoke|show|activate|deactivate|usage <ref>` means. A reference is a
 * full id, a token's exact name, an id prefix, a display prefix (`kw_4Jf0a1b2`, possibly shorter
 * or with the `...` the list prints), or a whole secret pasted by mistake, matched by its first
 * 12 characters (the display prefix).
 */
import type { TokenNode } from './tokens-api.js';

export const DISPLAY_PREFIX_LENGTH = 12;
/** Shorter prefixes are too likely to hit the wrong token. */
export const MIN_REFERENCE_LENGTH = 4;
/** Revoking by a prefix shorter than this asks for confirmation first. */
export const CONFIRM_PREFIX_BELOW = 8;

export type Resolution =
  | { kind: 'match'; token: TokenNode }
  | { kind: 'ambiguous'; candidates: TokenNode[] }
  | { kind: 'none' };

/** The reference without the `...` / `…` a copied list entry ends with. */
export function cleanReference(raw: string): string {
  return raw.trim().replace(/(\.\.\.|…)$/, '');
}

/** True when the text looks like a whole secret (`<prefix>_` and more than the display prefix). */
export function looksLikeSecret(text: string): boolean {
  return text.length > DISPLAY_PREFIX_LENGTH && /^[a-z][a-z0-9]{1,15}_[0-9A-Za-z]+$/.test(text);
}

/** How a reference may be echoed back: never more of a secret than its display prefix. */
export function displayReference(text: string): string {
  return looksLikeSecret(text) ? `${text.slice(0, DISPLAY_PREFIX_LENGTH)}...` : text;
}

/** When several tokens match but only some are un-revoked, the revoked ones cannot be what was meant. */
function preferLive(candidates: TokenNode[]): Resolution {
  const live = candidates.filter((token) => token.status !== 'REVOKED');
  const kept = candidates.length > 1 && live.length > 0 ? live : candidates;
  const [first] = kept;
  if (kept.length === 1 && first) return { kind: 'match', token: first };
  if (kept.length === 0) return { kind: 'none' };
  return { kind: 'ambiguous', candidates: kept };
}

/** True when the reference names the token exactly (its whole id or its name), not by a prefix. */
export function isExactReference(raw: string, token: TokenNode): boolean {
  const reference = cleanReference(raw);
  return reference.toLowerCase() === token.id.toLowerCase() || reference === token.name;
}

/**
 * Resolves a reference against the caller's tokens. An exact id wins, then an exact name;
 * otherwise id prefixes and display prefixes (at least MIN_REFERENCE_LENGTH characters) are
 * both candidates.
 */
export function resolveTokenReference(raw: string, tokens: readonly TokenNode[]): Resolution {
  const reference = cleanReference(raw);
  if (reference === '') return { kind: 'none' };
  const lower = reference.toLowerCase();
  const exact = tokens.find((token) => token.id.toLowerCase() === lower);
  if (exact) return { kind: 'match', token: exact };
  const named = tokens.filter((token) => token.name === reference);
  if (named.length > 0) return preferLive(named);
  if (reference.length < MIN_REFERENCE_LENGTH) return { kind: 'none' };

  const displayKey =
    reference.length >= DISPLAY_PREFIX_LENGTH ? reference.slice(0, DISPLAY_PREFIX_LENGTH) : reference;
  const candidates = tokens.filter(
    (token) =>
      token.id.toLowerCase().startsWith(lower) ||
      (reference.length >= DISPLAY_PREFIX_LENGTH
        ? token.displayPrefix === displayKey
        : token.displayPrefix.startsWith(displayKey)),
  );
  return preferLive(candidates);
}
