import { validationError } from './errors.js';

/** Why a string with a control character is refused; one wording for every surface. */
export const CONTROL_CHARACTER_REASON = 'must not contain control characters (such as NUL or escape).';

const TAB = 0x09;
const LF = 0x0a;
const CR = 0x0d;

/**
 * The index of the first C0 or C1 control character (or DEL) in `value`, or -1. NUL cannot be
 * stored by PostgreSQL, and escape sequences would reach terminals that print stored names;
 * `allowLineBreaks` lets tab, LF and CR through (multi-line text such as descriptions).
 */
export function controlCharacterIndex(value: string, allowLineBreaks = false): number {
  for (let index = 0; index < value.length; index++) {
    const code = value.charCodeAt(index);
    if (code < 0x20) {
      if (allowLineBreaks && (code === TAB || code === LF || code === CR)) continue;
      return index;
    }
    if (code >= 0x7f && code <= 0x9f) return index;
  }
  return -1;
}

/** Throws validation_failed on `field` when `value` holds a control character. */
export function assertPlainText(
  field: string,
  value: string,
  options: { allowLineBreaks?: boolean } = {},
): void {
  if (controlCharacterIndex(value, options.allowLineBreaks) >= 0)
    throw validationError(field, CONTROL_CHARACTER_REASON);
}

/**
 * The path of the first string inside `value` (arguments, nested inputs, lists) holding a
 * control character other than tab and line breaks, e.g. `input.name` or `permissions.2`; null when none.
 */
export function findControlCharacterPath(value: unknown, path: string): string | null {
  if (typeof value === 'string') return controlCharacterIndex(value, true) >= 0 ? path : null;
  if (Array.isArray(value)) {
    for (let index = 0; index < value.length; index++) {
      const found = findControlCharacterPath(value[index], `${path}.${index}`);
      if (found) return found;
    }
    return null;
  }
  if (typeof value === 'object' && value !== null && !(value instanceof Date)) {
    for (const [key, item] of Object.entries(value)) {
      const found = findControlCharacterPath(item, path ? `${path}.${key}` : key);
      if (found) return found;
    }
  }
  return null;
}
