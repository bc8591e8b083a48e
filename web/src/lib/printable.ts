/**
 * A stored string as the page shows it: control characters (C0, DEL, C1) become visible symbols
 * (␛ for escape, ␀ for NUL, ␡ for DEL, � for C1) instead of being passed to the browser raw.
 * `multiline` keeps tab and line breaks (descriptions).
 */
export function printable(text: string, options: { multiline?: boolean } = {}): string {
  let out = '';
  for (const char of text) {
    const code = char.charCodeAt(0);
    if (options.multiline && (char === '\t' || char === '\n' || char === '\r')) out += char;
    else if (code < 0x20) out += String.fromCharCode(0x2400 + code);
    else if (code === 0x7f) out += '\u2421';
    else if (code > 0x7f && code <= 0x9f) out += '\ufffd';
    else out += char;
  }
  return out;
}
