import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { clientAddressResolver } from '../../server/src/edge/client-address.js';

function request(remoteAddress: string, forwardedFor?: string): IncomingMessage {
  return {
    socket: { remoteAddress },
    connection: { remoteAddress },
    headers: forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor },
  } as unknown as IncomingMessage;
}

describe('clientAddressResolver', () => {
  it.each([
    // [trust, socket address, X-Forwarded-For, client]
    [false, '10.0.0.1', '1.2.3.4', '10.0.0.1'],
    [false, '::ffff:10.0.0.1', undefined, '10.0.0.1'],
    [1, '10.0.0.1', '1.2.3.4', '1.2.3.4'],
    // A client-supplied leftmost entry changes nothing: the proxy appended the real one.
    [1, '10.0.0.1', '6.6.6.6, 1.2.3.4', '1.2.3.4'],
    [2, '10.0.0.1', '6.6.6.6, 1.2.3.4, 10.0.0.2', '1.2.3.4'],
    [1, '10.0.0.1', undefined, '10.0.0.1'],
    [['10.0.0.0/8'], '10.0.0.1', '6.6.6.6, 1.2.3.4, 10.0.0.7', '1.2.3.4'],
    // Not from a trusted proxy: X-Forwarded-For is ignored.
    [['10.0.0.0/8'], '192.0.2.9', '1.2.3.4', '192.0.2.9'],
    [['loopback'], '127.0.0.1', '2001:db8::1', '2001:db8::1'],
  ] as const)('trust %j from %s with X-Forwarded-For %j → %s', (trust, socket, forwarded, expected) => {
    const resolve = clientAddressResolver(typeof trust === 'object' ? [...trust] : trust);
    expect(resolve(request(socket, forwarded))).toBe(expected);
  });
});
