import { isUuid } from '../ids.js';

/**
 * Opaque strings handed to GraphQL clients: Relay global ids and connection cursors. Both are
 * base64url of `<version>:<namespace>:<kind>:<uuid>`; clients must pass them back unchanged and
 * never build or parse them, so the payload can change behind a new version. Decoding is strict
 * (canonical base64url, known version, namespace and kind, a UUID) and answers null for anything
 * else, so a malformed value never reaches SQL.
 */
const VERSION = '1';
const BASE64URL = /^[A-Za-z0-9_-]+$/;

type Namespace = 'node' | 'cursor';

function encode(namespace: Namespace, kind: string, id: string): string {
  return Buffer.from(`${VERSION}:${namespace}:${kind}:${id}`, 'utf8').toString('base64url');
}

function decode(namespace: Namespace, value: string): { kind: string; id: string } | null {
  if (value.length > 200 || !BASE64URL.test(value)) return null;
  const bytes = Buffer.from(value, 'base64url');
  // Only the canonical spelling of a payload is accepted: one value, one string.
  if (bytes.toString('base64url') !== value) return null;
  const [version, space, kind, id, ...rest] = bytes.toString('utf8').split(':');
  if (version !== VERSION || space !== namespace || !kind || !id || rest.length > 0) return null;
  return isUuid(id) ? { kind, id } : null;
}

/** The Relay global id of an object: opaque, stable, unique across types. */
export function encodeGlobalId(typename: string, id: string): string {
  return encode('node', typename, id);
}

/** The type name and UUID behind a global id, or null for anything this server did not issue. */
export function decodeGlobalId(globalId: string): { typename: string; id: string } | null {
  const decoded = decode('node', globalId);
  return decoded && { typename: decoded.kind, id: decoded.id };
}

/** Connections whose cursors this server issues; a cursor only works on its own connection. */
export type CursorKind = 'tokens' | 'audit-events' | 'accounts' | 'token-inventory' | 'admin-tokens';

/** The cursor of an edge: the position of its node (by id) in one kind of connection. */
export function encodeCursor(kind: CursorKind, id: string): string {
  return encode('cursor', kind, id);
}

/** The node id a cursor points after, or null when it is no cursor of this connection. */
export function decodeCursor(kind: CursorKind, cursor: string): string | null {
  const decoded = decode('cursor', cursor);
  return decoded?.kind === kind ? decoded.id : null;
}
