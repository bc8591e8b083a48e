import ipaddr from 'ipaddr.js';
import { validationError } from '../errors.js';
import type { UsageRefillInterval } from './tokens.entity.js';

/** At most this many entries in a token's allow-list. */
export const MAX_ALLOWED_CIDRS = 20;
/** The most credits a token may hold (PostgreSQL's integer). */
export const MAX_USAGE_LIMIT = 2_000_000_000;
export const USAGE_REFILL_INTERVALS = [
  'DAY',
  'WEEK',
  'MONTH',
] as const satisfies readonly UsageRefillInterval[];

type Range = [ipaddr.IPv4 | ipaddr.IPv6, number];

/** An IPv4-mapped IPv6 address (`::ffff:192.0.2.1`) is its IPv4 address, as client-address.ts reports it. */
function plain(address: ipaddr.IPv4 | ipaddr.IPv6): ipaddr.IPv4 | ipaddr.IPv6 {
  return address.kind() === 'ipv6' && (address as ipaddr.IPv6).isIPv4MappedAddress()
    ? (address as ipaddr.IPv6).toIPv4Address()
    : address;
}

/**
 * Only the plain notations: dotted-quad IPv4 (never `10.1` or `0x0a.0.0.1`, which inet_aton and
 * ipaddr.js also read) and IPv6 without a zone.
 */
function plainNotation(address: string): boolean {
  return address.includes(':')
    ? !address.includes('%') && ipaddr.IPv6.isValid(address)
    : ipaddr.IPv4.isValidFourPartDecimal(address);
}

function parseRange(entry: string): Range | null {
  const text = entry.trim();
  const slash = text.indexOf('/');
  if (!plainNotation(slash === -1 ? text : text.slice(0, slash))) return null;
  if (slash !== -1 && !/^\d{1,3}$/.test(text.slice(slash + 1))) return null;
  try {
    if (text.includes('/')) {
      const [address, bits] = ipaddr.parseCIDR(text);
      const unmapped = plain(address);
      // `::ffff:10.0.0.0/104` is 10.0.0.0/8.
      return [unmapped, unmapped === address ? bits : bits - 96];
    }
    if (!ipaddr.isValid(text)) return null;
    const address = plain(ipaddr.parse(text));
    return [address, address.kind() === 'ipv4' ? 32 : 128];
  } catch {
    return null;
  }
}

/** The canonical text of a range: a single address without its prefix length, else `network/bits`. */
function formatRange([address, bits]: Range): string {
  const full = address.kind() === 'ipv4' ? 32 : 128;
  return bits === full ? address.toString() : `${address.toString()}/${bits}`;
}

function contains(outer: Range, inner: Range): boolean {
  return outer[0].kind() === inner[0].kind() && outer[1] <= inner[1] && inner[0].match(outer);
}

/**
 * Validates an allow-list into its canonical entries (IPv6 compressed, lower case; IPv4-mapped
 * addresses as IPv4). 1–20 entries, each an address or a range whose host bits are zero; an
 * entry repeated or inside another one is refused, since it could only mislead a reader.
 */
export function normalizeAllowedCidrs(entries: readonly string[], field = 'allowedCidrs'): string[] {
  if (entries.length === 0)
    throw validationError(field, 'list at least one address or range, or leave the field out.');
  if (entries.length > MAX_ALLOWED_CIDRS)
    throw validationError(field, `list at most ${MAX_ALLOWED_CIDRS} addresses or ranges.`);
  const ranges: Range[] = [];
  for (const entry of entries) {
    const range = parseRange(entry);
    if (!range)
      throw validationError(
        field,
        `"${entry.trim().slice(0, 60)}" is not an IPv4/IPv6 address or CIDR range (e.g. 203.0.113.0/24, 2001:db8::/32).`,
      );
    const network = ipaddr.parse(
      range[0].kind() === 'ipv4'
        ? ipaddr.IPv4.networkAddressFromCIDR(`${range[0]}/${range[1]}`).toString()
        : ipaddr.IPv6.networkAddressFromCIDR(`${range[0]}/${range[1]}`).toString(),
    );
    if (network.toString() !== range[0].toString())
      throw validationError(
        field,
        `${formatRange(range)} has host bits set: did you mean ${formatRange([network, range[1]])}?`,
      );
    const overlapping = ranges.find((other) => contains(other, range) || contains(range, other));
    if (overlapping)
      throw validationError(
        field,
        `${formatRange(range)} and ${formatRange(overlapping)} overlap: list each address once.`,
      );
    ranges.push(range);
  }
  return ranges.map(formatRange);
}

/** The entries of `requested` that no entry of `allowed` contains (both canonical lists). */
export function cidrsOutside(requested: readonly string[], allowed: readonly string[]): string[] {
  const outer = allowed.map(parseRange).filter((range): range is Range => range !== null);
  return requested.filter((entry) => {
    const range = parseRange(entry);
    return !range || !outer.some((candidate) => contains(candidate, range));
  });
}

/** How many client addresses a token's matcher remembers (most tokens are used from a few). */
const MATCH_MEMO = 64;

/**
 * A predicate for one token's allow-list, built once per cache entry: the client address is
 * parsed and matched on its first request only, then answered from a small memo.
 */
export function cidrMatcher(entries: readonly string[]): (address: string | null) => boolean {
  const ranges = entries.map(parseRange).filter((range): range is Range => range !== null);
  const memo = new Map<string, boolean>();
  return (address) => {
    if (address === null) return false;
    const known = memo.get(address);
    if (known !== undefined) return known;
    let allowed = false;
    const parsed = ipaddr.isValid(address) ? plain(ipaddr.parse(address)) : null;
    if (parsed) allowed = ranges.some((range) => range[0].kind() === parsed.kind() && parsed.match(range));
    if (memo.size >= MATCH_MEMO) memo.clear();
    memo.set(address, allowed);
    return allowed;
  };
}

/**
 * The start of the refill period containing `at` (UTC): the day's midnight, the week's Monday,
 * the month's first day. PostgreSQL's `date_trunc(interval, now() at time zone 'utc')` and the
 * Redis script count the same periods.
 */
export function refillPeriodStart(interval: UsageRefillInterval, at: number): Date {
  const day = new Date(at);
  const midnight = Date.UTC(day.getUTCFullYear(), day.getUTCMonth(), day.getUTCDate());
  if (interval === 'DAY') return new Date(midnight);
  if (interval === 'WEEK') return new Date(midnight - ((day.getUTCDay() + 6) % 7) * 86_400_000);
  return new Date(Date.UTC(day.getUTCFullYear(), day.getUTCMonth(), 1));
}
