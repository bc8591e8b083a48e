import { statusLabels } from './token-labels';
import type { TokenStatus } from './tokens.operations';

export function StatusBadge({ status }: { status: TokenStatus }) {
  return <span className={`badge badge-${status.toLowerCase()}`}>{statusLabels[status]}</span>;
}
