/**
 * Which token `keyward token revoke <ref>` means. A reference is a full id, an id prefix, a
 * display prefix (`kw_4Jf0a1b2`, possibly shorter or with the `...` the list prints), or a whole
 * secret pasted by mistake, matched by its first 12 characters (the display prefix).
 */
import type { TokenNode } from './tokens-api.js';

export const DISPLAY_PREFIX_LENGTH = 12;
/** Shorter references are too likely to hit the wrong token. */
export const MIN_REFERENCE_LENGTH = 4;

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

/**
 * Resolves a reference against the caller's tokens. An exact id wins; otherwise id prefixes and
 * display prefixes are both candidates. When several match but only some are still un-revoked,
 * the revoked ones are dropped: they cannot be revoked again, so they cannot be what was meant.
 */
export function resolveTokenReference(raw: string, tokens: readonly TokenNode[]): Resolution {
  const reference = cleanReference(raw);
  if (reference === '') return { kind: 'none' };
  const lower = reference.toLowerCase();
  const exact = tokens.find((token) => token.id.toLowerCase() === lower);
  if (exact) return { kind: 'match', token: exact };

  const displayKey =
    reference.length >= DISPLAY_PREFIX_LENGTH ? reference.slice(0, DISPLAY_PREFIX_LENGTH) : reference;
  let candidates = tokens.filter(
    (token) =>
      token.id.toLowerCase().startsWith(lower) ||
      (reference.length >= DISPLAY_PREFIX_LENGTH
        ? token.displayPrefix === displayKey
        : token.displayPrefix.startsWith(displayKey)),
  );
  const live = candidates.filter((token) => token.status !== 'REVOKED');
  if (candidates.length > 1 && live.length > 0) candidates = live;
  const [first] = candidates;
  if (candidates.length === 1 && first) return { kind: 'match', token: first };
  if (candidates.length === 0) return { kind: 'none' };
  return { kind: 'ambiguous', candidates };
}
