/**
 * Terminal output: colours only on a TTY and never with NO_COLOR (https://no-color.org),
 * relative times ("2 hours ago"), dates and aligned key/value blocks.
 */
type Stream = { isTTY?: boolean };

const CODES = {
  bold: [1, 22],
  dim: [2, 22],
  red: [31, 39],
  green: [32, 39],
  yellow: [33, 39],
  cyan: [36, 39],
} as const;

export type Style = keyof typeof CODES;
export type Paint = (style: Style, text: string) => string;

/** True when `stream` is a terminal, NO_COLOR is unset or empty, and TERM is not `dumb`. */
export function colorEnabled(stream: Stream, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.TERM === 'dumb') return false;
  return stream.isTTY === true;
}

export function painter(enabled: boolean): Paint {
  return (style, text) => {
    if (!enabled) return text;
    const [open, close] = CODES[style];
    return `\u001b[${open}m${text}\u001b[${close}m`;
  };
}

export const paintOut: Paint = painter(colorEnabled(process.stdout));
export const paintErr: Paint = painter(colorEnabled(process.stderr));

export function print(line = ''): void {
  process.stdout.write(`${line}\n`);
}

export function printError(line: string): void {
  process.stderr.write(`${line}\n`);
}

let jsonWarnings = false;

/** Under `--json`, warnings are JSON lines on stderr too: `{ "warning": message }`. */
export function useJsonWarnings(on: boolean): void {
  jsonWarnings = on;
}

export function warn(line: string): void {
  if (jsonWarnings) printError(jsonLine({ warning: line }));
  else printError(`${paintErr('yellow', 'warning:')} ${line}`);
}

/** One line of JSON: JSON.stringify escapes C0 controls itself; DEL and C1 controls are escaped here. */
export function jsonLine(value: unknown): string {
  return escapeC1(JSON.stringify(value));
}

function escapeC1(text: string): string {
  return text.replace(/[\u007f-\u009f]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * A stored string made safe for a terminal: every C0 and C1 control character and DEL is shown as
 * `\xHH` instead of being written raw, so a token or account name cannot carry an escape sequence
 * (colours, cursor moves, window titles, hyperlinks) or a fake line break to the screen.
 */
export function safeText(text: string): string {
  let out = '';
  for (const char of text) {
    const code = char.charCodeAt(0);
    out += code < 0x20 || (code >= 0x7f && code <= 0x9f) ? `\\x${code.toString(16).padStart(2, '0')}` : char;
  }
  return out;
}

/** JSON for pipes: JSON.stringify escapes C0 controls itself; DEL and C1 controls are escaped here. */
export function printJson(value: unknown): void {
  print(escapeC1(JSON.stringify(value, null, 2)));
}

const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ['year', 365 * 24 * 3600],
  ['month', 30 * 24 * 3600],
  ['day', 24 * 3600],
  ['hour', 3600],
  ['minute', 60],
];

const relativeFormat = new Intl.RelativeTimeFormat('en', { numeric: 'always' });

/** "2 hours ago", "in 30 days", "just now": the largest unit that fits, rounded to whole units. */
export function relativeTime(iso: string, now: number = Date.now()): string {
  const seconds = (Date.parse(iso) - now) / 1000;
  const magnitude = Math.abs(seconds);
  if (magnitude < 60) return 'just now';
  for (const [unit, size] of UNITS) {
    if (magnitude >= size) {
      const count = Math.round(magnitude / size);
      return relativeFormat.format(seconds < 0 ? -count : count, unit);
    }
  }
  return 'just now';
}

/** `2027-04-15` in local time. */
export function formatDate(iso: string): string {
  const date = new Date(iso);
  const pad = (value: number) => String(value).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

/** "never", or "2027-04-15 (in 1 year)" / "2024-03-01 (2 months ago)". */
export function formatExpiry(expiresAt: string | null, now: number = Date.now()): string {
  if (expiresAt === null) return 'never';
  return `${formatDate(expiresAt)} (${relativeTime(expiresAt, now)})`;
}

/** Aligned `Label:  value` lines. */
export function keyValues(rows: [string, string][], paint: Paint = paintOut): string[] {
  const width = Math.max(...rows.map(([label]) => label.length + 1));
  return rows.map(([label, value]) => `${paint('dim', `${label}:`.padEnd(width))}  ${value}`);
}
