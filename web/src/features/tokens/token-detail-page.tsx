import { useQuery } from '@tanstack/react-query';
import { Link } from '@tanstack/react-router';
import { useRef, useState } from 'react';
import { ErrorAlert, StatusMessage } from '../../components/messages';
import { DateOnly, RelativeTime } from '../../components/relative-time';
import { PageSkeleton } from '../../components/skeleton';
import { useDocumentTitle } from '../../lib/navigation';
import { printable } from '../../lib/printable';
import { useSignedInViewer } from '../../lib/viewer';
import { ActorLabel } from '../audit/actor-label';
import { AuditList } from '../audit/audit-list';
import { CreatedTokens } from './created-tokens';
import { DeleteTokenDialog } from './delete-token-dialog';
import { StatusBadge } from './status-badge';
import { TokenDetailsForm } from './token-details-form';
import { presetLabels } from './token-labels';
import { TokenStatusControl } from './token-status-control';
import { type TokenDetail, tokenQuery } from './tokens.operations';
import { TokenUsage } from './usage-chart';
import './tokens.css';

export function TokenDetailPage({ id }: { id: string }) {
  const query = useQuery(tokenQuery(id));
  const token = query.data?.token;
  useDocumentTitle(token ? printable(token.name) : 'Token');

  if (query.isPending) return <PageSkeleton label="Loading token…" />;
  if (query.isError && !query.data) return <PageError message={query.error.message} />;
  if (!token) return <PageError message="No token with this id exists in your account." />;
  return <TokenDetailView token={token} />;
}

function PageError({ message }: { message: string }) {
  return (
    <>
      <BackLink />
      <h1>Token not available</h1>
      <ErrorAlert message={message} />
    </>
  );
}

function BackLink() {
  return (
    <p className="back-link">
      <Link to="/tokens">
        <span aria-hidden="true">← </span>Back to token list
      </Link>
    </p>
  );
}

/** The token as the cache holds it: every change below updates the cache, and this page with it. */
function TokenDetailView({ token }: { token: TokenDetail }) {
  const viewer = useSignedInViewer();
  const [confirming, setConfirming] = useState(false);
  const [deleted, setDeleted] = useState(false);
  const headingRef = useRef<HTMLHeadingElement>(null);
  const revoked = token.status === 'REVOKED';
  const permissions = token.preset === 'CUSTOM' ? token.permissions : token.effectivePermissions;

  return (
    <>
      <BackLink />
      <div className="page-head">
        <h1 ref={headingRef} tabIndex={-1}>
          {printable(token.name)}
        </h1>
        <StatusBadge status={token.status} />
      </div>
      {token.description ? <p className="lead">{printable(token.description, { multiline: true })}</p> : null}
      {deleted ? (
        <StatusMessage>
          The token “{printable(token.name)}” has been deleted and can no longer be used. It stays listed as
          Revoked.
        </StatusMessage>
      ) : null}
      <dl className="facts">
        <dt>Token</dt>
        <dd>
          <code>{token.displayPrefix}…</code>
        </dd>
        <dt>Created</dt>
        <dd>
          <RelativeTime value={token.createdAt} /> by{' '}
          <ActorLabel actor={token.creator} viewerId={viewer.id} />
        </dd>
        <dt>Last used</dt>
        <dd>
          <RelativeTime value={token.lastUsedAt} fallback="Never used" />
          {token.lastUsedIp ? ` from ${token.lastUsedIp}` : null}
        </dd>
        <dt>Expires</dt>
        <dd>
          {token.expiresAt ? (
            <>
              <DateOnly value={token.expiresAt} /> (<RelativeTime value={token.expiresAt} />)
            </>
          ) : (
            'Never expires'
          )}
        </dd>
        {token.revokedAt ? (
          <>
            <dt>Revoked</dt>
            <dd>
              <RelativeTime value={token.revokedAt} />
            </dd>
          </>
        ) : null}
        <dt>Rate limit</dt>
        <dd>{token.rateLimitPerMinute} requests per minute</dd>
      </dl>

      <section className="card" aria-labelledby="status-title">
        <h2 id="status-title">Status</h2>
        <TokenStatusControl token={token} />
      </section>

      <section className="card" aria-labelledby="permissions-title">
        <h2 id="permissions-title">Permissions</h2>
        <p>
          Preset: <strong>{presetLabels[token.preset]}</strong>
        </p>
        {permissions.length > 0 ? (
          <ul className="permission-list">
            {permissions.map((permission) => (
              <li key={permission}>
                <code>{permission}</code>
              </li>
            ))}
          </ul>
        ) : (
          <p className="muted">This token has no permissions.</p>
        )}
        <p className="note">
          Permissions and expiry can't be changed after a token is created. To change them, create a new token
          and delete this one.
        </p>
      </section>

      <section className="card" aria-labelledby="usage-title">
        <h2 id="usage-title">Usage</h2>
        <TokenUsage tokenId={token.id} />
      </section>

      <section className="card" aria-labelledby="children-title">
        <h2 id="children-title">Tokens created by this token</h2>
        <CreatedTokens tokens={token.children} />
      </section>

      {revoked ? null : (
        <section className="card" aria-labelledby="details-title">
          <h2 id="details-title">Name and description</h2>
          <TokenDetailsForm token={token} />
        </section>
      )}

      <section className="card" aria-labelledby="history-title">
        <h2 id="history-title">History</h2>
        <AuditList
          tokenId={token.id}
          caption="History of this token, newest first"
          emptyText="No events yet."
        />
      </section>

      {revoked ? null : (
        <section className="card card-danger" aria-labelledby="danger-title">
          <h2 id="danger-title">Danger zone</h2>
          <p>
            Deleting revokes the token for good: every request that uses it is refused from then on. It stays
            in your list as Revoked, with its history.
          </p>
          <button type="button" className="button button-danger" onClick={() => setConfirming(true)}>
            Delete token
          </button>
        </section>
      )}
      {confirming ? (
        <DeleteTokenDialog
          token={token}
          onCancel={() => setConfirming(false)}
          onDeleted={() => {
            setConfirming(false);
            setDeleted(true);
            // The Delete button is gone with the dialog: put focus somewhere meaningful.
            window.setTimeout(() => headingRef.current?.focus(), 0);
          }}
        />
      ) : null}
    </>
  );
}
