import { statusLabel } from './token-labels';
import type { TokenStatus } from './tokens.operations';

/** The status as a coloured badge; an unknown status gets the neutral look. */
export function StatusBadge({ status }: { status: TokenStatus }) {
  const known = ['ACTIVE', 'INACTIVE', 'EXPIRED', 'REVOKED'].includes(status);
  return (
    <span className={`badge badge-${known ? status.toLowerCase() : 'inactive'}`}>{statusLabel(status)}</span>
  );
}
