import { Link } from '@tanstack/react-router';
import { useId } from 'react';
import { RelativeTime } from '../../components/relative-time';
import { printable } from '../../lib/printable';
import { useSignedInViewer } from '../../lib/viewer';
import { ActorLabel } from '../audit/actor-label';
import { ActiveSwitch } from './active-switch';
import { StatusBadge } from './status-badge';
import { ExpiryBadge, ScopesSummary, ValidFrom } from './token-cells';
import type { TokenOrder, TokenSummary } from './tokens.operations';

type TokenTableProps = {
  /** The table's name for assistive technology; "Your API tokens" unless told. */
  caption?: string | undefined;
  tokens: readonly TokenSummary[];
  orderBy: TokenOrder;
  onError: (message: string | null) => void;
  onDelete: (token: TokenSummary) => void;
};

/** Which column the list is sorted by, for `aria-sort`. */
const sortedColumn: Record<TokenOrder, { column: string; direction: 'ascending' | 'descending' }> = {
  CREATED_DESC: { column: 'Created', direction: 'descending' },
  CREATED_ASC: { column: 'Created', direction: 'ascending' },
  LAST_USED_DESC: { column: 'Last used', direction: 'descending' },
  EXPIRES_ASC: { column: 'Expires', direction: 'ascending' },
};

const columns = [
  'Name',
  'Token',
  'Status',
  'Scopes',
  'Created by',
  'Created',
  'Last used',
  'Expires',
  'Active',
];

/**
 * The tokens as a table; on a phone each row is a card (styles: tokens.css), its cells labelled
 * by their column, the name and the Active switch side by side at the top.
 */
export function TokenTable({ caption, tokens, orderBy, onError, onDelete }: TokenTableProps) {
  const sorted = sortedColumn[orderBy];
  return (
    <div className="table-wrap token-table-wrap">
      <table className="table token-table">
        <caption className="visually-hidden">{caption ?? 'Your API tokens'}</caption>
        <thead>
          <tr>
            {columns.map((column) => (
              <th
                key={column}
                scope="col"
                aria-sort={sorted?.column === column ? sorted.direction : undefined}
              >
                {column}
              </th>
            ))}
            <th scope="col">
              <span className="visually-hidden">Delete</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {tokens.map((token) => (
            <TokenRow key={token.id} token={token} onError={onError} onDelete={onDelete} />
          ))}
        </tbody>
      </table>
    </div>
  );
}

type TokenRowProps = { token: TokenSummary } & Pick<TokenTableProps, 'onError' | 'onDelete'>;

function TokenRow({ token, onError, onDelete }: TokenRowProps) {
  const nameId = useId();
  const viewer = useSignedInViewer();
  const name = printable(token.name);
  return (
    <tr>
      <th scope="row" className="cell-name">
        <Link to="/tokens/$id" params={{ id: token.id }} id={nameId}>
          {name}
        </Link>
        {token.description ? (
          <span className="row-description">{printable(token.description, { multiline: true })}</span>
        ) : null}
      </th>
      <td data-label="Token" className="cell-prefix">
        <code>{token.displayPrefix}…</code>
      </td>
      <td data-label="Status" className="cell-status">
        <StatusBadge status={token.status} />
        <ValidFrom token={token} />
      </td>
      <td data-label="Scopes">
        <ScopesSummary token={token} />
      </td>
      <td data-label="Created by">
        <ActorLabel actor={token.creator} viewerId={viewer.id} />
      </td>
      <td data-label="Created">
        <RelativeTime value={token.createdAt} />
      </td>
      <td data-label="Last used">
        <RelativeTime value={token.lastUsedAt} fallback="Never used" />
      </td>
      <td data-label="Expires">
        <ExpiryBadge token={token} />
      </td>
      <td className="cell-switch">
        <ActiveSwitch token={token} describedBy={nameId} onError={onError} />
      </td>
      <td className="cell-delete">
        {token.status === 'REVOKED' ? null : (
          <button
            type="button"
            className="icon-button icon-button-danger"
            aria-label={`Delete token ${name}`}
            title="Delete token"
            onClick={() => onDelete(token)}
          >
            <TrashIcon />
          </button>
        )}
      </td>
    </tr>
  );
}

function TrashIcon() {
  return (
    <svg viewBox="0 0 24 24" width="18" height="18" aria-hidden="true" focusable="false">
      <path
        fill="none"
        stroke="currentColor"
        strokeWidth="2"
        strokeLinecap="round"
        strokeLinejoin="round"
        d="M4 7h16M10 11v6M14 11v6M5 7l1 12a2 2 0 0 0 2 2h8a2 2 0 0 0 2-2l1-12M9 7V4a1 1 0 0 1 1-1h4a1 1 0 0 1 1 1v3"
      />
    </svg>
  );
}
