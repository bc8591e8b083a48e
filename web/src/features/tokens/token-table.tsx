import { useId } from 'react';
import { DateOnly, RelativeTime } from '../../components/relative-time';
import { printable } from '../../lib/printable';
import { Link } from '../../lib/router';
import { ActiveSwitch } from './active-switch';
import { StatusBadge } from './status-badge';
import type { TokenSummary } from './tokens.operations';

type TokenTableProps = {
  tokens: readonly TokenSummary[];
  onUpdated: (token: TokenSummary) => void;
  onError: (message: string | null) => void;
};

export function TokenTable({ tokens, onUpdated, onError }: TokenTableProps) {
  return (
    <div className="table-wrap">
      <table className="table">
        <caption className="visually-hidden">Your API tokens</caption>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Token</th>
            <th scope="col">Status</th>
            <th scope="col">Created</th>
            <th scope="col">Last used</th>
            <th scope="col">Expires</th>
            <th scope="col">Active</th>
          </tr>
        </thead>
        <tbody>
          {tokens.map((token) => (
            <TokenRow key={token.id} token={token} onUpdated={onUpdated} onError={onError} />
          ))}
        </tbody>
      </table>
    </div>
  );
}

function TokenRow({ token, onUpdated, onError }: { token: TokenSummary } & Omit<TokenTableProps, 'tokens'>) {
  const nameId = useId();
  return (
    <tr>
      <th scope="row">
        <Link to={`/tokens/${encodeURIComponent(token.id)}`} id={nameId}>
          {printable(token.name)}
        </Link>
        {token.description ? (
          <span className="row-description">{printable(token.description, { multiline: true })}</span>
        ) : null}
      </th>
      <td>
        <code>{token.displayPrefix}…</code>
      </td>
      <td>
        <StatusBadge status={token.status} />
      </td>
      <td>
        <RelativeTime value={token.createdAt} />
      </td>
      <td>
        <RelativeTime value={token.lastUsedAt} fallback="Never used" />
      </td>
      <td>
        <DateOnly value={token.expiresAt} fallback="Never" />
      </td>
      <td>
        <ActiveSwitch token={token} describedBy={nameId} onUpdated={onUpdated} onError={onError} />
      </td>
    </tr>
  );
}
