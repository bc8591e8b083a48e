import { describe, expect, it } from 'vitest';
import {
  cidrMatcher,
  cidrsOutside,
  normalizeAllowedCidrs,
  refillPeriodStart,
} from '../../server/src/tokens/token-restrictions.js';

describe('normalizeAllowedCidrs', () => {
  it.each([
    [['10.0.0.0/8'], ['10.0.0.0/8']],
    [['10.1.2.3/32'], ['10.1.2.3']],
    [['2001:0DB8::/32'], ['2001:db8::/32']],
    [['::ffff:10.0.0.0/104'], ['10.0.0.0/8']],
    [
      ['::1', '127.0.0.1'],
      ['::1', '127.0.0.1'],
    ],
    [
      ['0.0.0.0/0', '::/0'],
      ['0.0.0.0/0', '::/0'],
    ],
  ])('%j → %j', (input, expected) => {
    expect(normalizeAllowedCidrs(input)).toEqual(expected);
  });

  it.each([
    [['10.0.0.0/33']],
    [['10.0.0']],
    [['0x0a.0.0.1']],
    [['10.0.0.0/+8']],
    [['fe80::1%eth0/64']],
    [['10.0.0.0/8', '10.0.0.0/8']],
    [['0.0.0.0/0', '192.0.2.1']],
  ])('%j is refused', (input) => {
    expect(() => normalizeAllowedCidrs(input)).toThrow(/allowedCidrs/);
  });
});

describe('cidrsOutside', () => {
  it('keeps only entries no allowed range contains', () => {
    expect(cidrsOutside(['10.1.0.0/16', '10.0.0.1', '192.0.2.0/24', '::1'], ['10.0.0.0/8', '::/0'])).toEqual([
      '192.0.2.0/24',
    ]);
    expect(cidrsOutside(['10.0.0.0/7'], ['10.0.0.0/8'])).toEqual(['10.0.0.0/7']);
  });
});

describe('cidrMatcher', () => {
  it('matches IPv4, IPv6 and IPv4-mapped clients; null and garbage never match', () => {
    const allowed = cidrMatcher(['203.0.113.0/24', '2001:db8::/32']);
    expect(allowed('203.0.113.9')).toBe(true);
    expect(allowed('::ffff:203.0.113.9')).toBe(true);
    expect(allowed('2001:db8:1::1')).toBe(true);
    expect(allowed('203.0.114.1')).toBe(false);
    expect(allowed('2001:db9::1')).toBe(false);
    expect(allowed(null)).toBe(false);
    expect(allowed('not an address')).toBe(false);
    // Answered from the memo the second time, identically.
    expect(allowed('203.0.113.9')).toBe(true);
    expect(allowed('203.0.114.1')).toBe(false);
  });
});

describe('refillPeriodStart (UTC)', () => {
  const at = Date.parse('2026-03-04T15:16:17Z'); // a Wednesday
  it.each([
    ['DAY', '2026-03-04T00:00:00.000Z'],
    ['WEEK', '2026-03-02T00:00:00.000Z'],
    ['MONTH', '2026-03-01T00:00:00.000Z'],
  ] as const)('%s → %s', (interval, start) => {
    expect(refillPeriodStart(interval, at).toISOString()).toBe(start);
  });
  it('a Sunday belongs to the week that began on Monday', () => {
    expect(refillPeriodStart('WEEK', Date.parse('2026-03-08T23:59:59Z')).toISOString()).toBe(
      '2026-03-02T00:00:00.000Z',
    );
  });
});
