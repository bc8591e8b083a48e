import { Link } from '@tanstack/react-router';
import { useId } from 'react';
import { DateOnly, RelativeTime } from '../../components/relative-time';
import { printable } from '../../lib/printable';
import { ActiveSwitch } from './active-switch';
import { StatusBadge } from './status-badge';
import type { TokenSummary } from './tokens.operations';

type TokenTableProps = {
  tokens: readonly TokenSummary[];
  onError: (message: string | null) => void;
};

export function TokenTable({ tokens, onError }: TokenTableProps) {
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
            <TokenRow key={token.id} token={token} onError={onError} />
          ))}
        </tbody>
      </table>
    </div>
  );
}

function TokenRow({ token, onError }: { token: TokenSummary } & Omit<TokenTableProps, 'tokens'>) {
  const nameId = useId();
  return (
    <tr>
      <th scope="row">
        <Link to="/tokens/$id" params={{ id: token.id }} id={nameId}>
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
        <ActiveSwitch token={token} describedBy={nameId} onError={onError} />
      </td>
    </tr>
  );
}
