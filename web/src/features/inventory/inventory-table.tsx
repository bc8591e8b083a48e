import { RelativeTime } from '../../components/relative-time';
import { printable } from '../../lib/printable';
import { policyRuleLabel } from '../organizations/policy-labels';
import { StatusBadge } from '../tokens/status-badge';
import { ExpiryBadge, ScopesSummary } from '../tokens/token-cells';
import type { InventoryToken } from './inventory.operations';

type InventoryTableProps = {
  caption: string;
  tokens: readonly InventoryToken[];
  onRevoke: (token: InventoryToken) => void;
};

const columns = ['Name', 'Owner', 'Scopes', 'Status', 'Last used', 'Expires', 'Policy'];

/**
 * Tokens of several owners: whose each one is (an organization, or a person by name and email),
 * what it may do, when it was last used, when it expires and which policy rules it breaks, with
 * `Revoke <name>` on every token that is not revoked yet. On a phone each row is a card.
 */
export function InventoryTable({ caption, tokens, onRevoke }: InventoryTableProps) {
  return (
    <div className="table-wrap inventory-table-wrap">
      <table className="table table-cards inventory-table">
        <caption className="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            {columns.map((column) => (
              <th key={column} scope="col">
                {column}
              </th>
            ))}
            <th scope="col">
              <span className="visually-hidden">Revoke</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {tokens.map((token) => (
            <InventoryRow key={token.id} token={token} onRevoke={onRevoke} />
          ))}
        </tbody>
      </table>
    </div>
  );
}

function InventoryRow({
  token,
  onRevoke,
}: {
  token: InventoryToken;
  onRevoke: InventoryTableProps['onRevoke'];
}) {
  const name = printable(token.name);
  return (
    <tr>
      <td data-label="Name" className="cell-name">
        <strong>{name}</strong>
        <code className="row-description">{token.displayPrefix}…</code>
      </td>
      <td data-label="Owner">
        <TokenOwnerLabel token={token} />
      </td>
      <td data-label="Scopes">
        <ScopesSummary token={token} />
      </td>
      <td data-label="Status">
        <StatusBadge status={token.status} />
      </td>
      <td data-label="Last used">
        <RelativeTime value={token.lastUsedAt} fallback="Never used" />
      </td>
      <td data-label="Expires">
        <ExpiryBadge token={token} />
      </td>
      <td data-label="Policy">
        <PolicyBadges rules={token.outOfPolicy} />
      </td>
      <td data-label="" className="cell-actions">
        {token.status === 'REVOKED' ? null : (
          <button
            type="button"
            className="button button-small button-danger-outline"
            aria-label={`Revoke ${name}`}
            onClick={() => onRevoke(token)}
          >
            Revoke
          </button>
        )}
      </td>
    </tr>
  );
}

/** "Acme Labs" marked as the organization, or a person's name with their email below. */
export function TokenOwnerLabel({ token }: { token: Pick<InventoryToken, 'owner' | 'organization'> }) {
  if (token.organization)
    return (
      <>
        <span>{printable(token.organization.name)}</span>
        <span className="row-description">Organization token</span>
      </>
    );
  if (!token.owner) return <span className="muted">Deleted account</span>;
  return (
    <>
      <span>{printable(token.owner.name)}</span>
      <span className="row-description cell-email">{printable(token.owner.email)}</span>
    </>
  );
}

/** One warning badge per policy rule the token breaks; "Within policy" when it breaks none. */
export function PolicyBadges({ rules }: { rules: readonly string[] }) {
  if (rules.length === 0) return <span className="muted">Within policy</span>;
  return (
    <ul className="policy-badges" aria-label="Out of policy">
      {rules.map((rule) => (
        <li key={rule}>
          <span className="badge badge-expired">{policyRuleLabel(rule)}</span>
        </li>
      ))}
    </ul>
  );
}
