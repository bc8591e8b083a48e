import type { IncomingMessage } from 'node:http';
import proxyAddr from 'proxy-addr';

/** KEYWARD_TRUST_PROXY: no proxy, a number of proxy hops, or the proxies' addresses and CIDR ranges. */
export type TrustProxy = false | number | readonly string[];

function unmapped(address: string | undefined): string | null {
  if (!address) return null;
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}

/**
 * The client address, with the semantics of Express's `trust proxy` (proxy-addr): walking
 * X-Forwarded-For from the right, the first address that is not a trusted proxy. A client cannot
 * move it by adding entries on the left.
 */
export function clientAddressResolver(trust: TrustProxy): (req: IncomingMessage) => string | null {
  if (trust === false || trust === 0) return (req) => unmapped(req.socket.remoteAddress);
  const trusted =
    typeof trust === 'number'
      ? (_address: string, hop: number) => hop < trust
      : proxyAddr.compile([...trust]);
  return (req) => unmapped(proxyAddr(req, trusted));
}
