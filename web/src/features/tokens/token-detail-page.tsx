import { useQuery } from '@tanstack/react-query';
import { Link, useNavigate } from '@tanstack/react-router';
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
import { ExpiryRemindersSwitch } from './expiry-reminders-switch';
import { RevealTokenDialog } from './reveal-token-dialog';
import { RotateTokenDialog } from './rotate-token-dialog';
import { StatusBadge } from './status-badge';
import { ValidFrom } from './token-cells';
import { TokenDetailsForm } from './token-details-form';
import { TokenPermissions } from './token-permissions';
import { TokenRestrictions } from './token-restrictions-card';
import { canRotate, TokenRotationCard } from './token-rotation';
import { TokenStatusControl } from './token-status-control';
import { type RotatedToken, type TokenDetail, tokenQuery } from './tokens.operations';
import { TokenUsage } from './usage-chart';
import './tokens.css';

/** `rotate`: the page was opened to rotate the token (`?rotate=1`, the reminder mails' link). */
export function TokenDetailPage({ id, rotate = false }: { id: string; rotate?: boolean }) {
  const query = useQuery(tokenQuery(id));
  const token = query.data?.token;
  useDocumentTitle(token ? printable(token.name) : 'Token');

  if (query.isPending) return <PageSkeleton label="Loading token…" />;
  if (query.isError && !query.data) return <PageError message={query.error.message} />;
  if (!token) return <PageError message="No token with this id exists in your account." />;
  return <TokenDetailView token={token} rotate={rotate} />;
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

/** Back to the list the token is in: the viewer's own, or its organization's. */
function BackLink({ organization }: { organization?: TokenDetail['organization'] }) {
  return (
    <p className="back-link">
      {organization ? (
        <Link to="/orgs/$slug/tokens" params={{ slug: organization.slug }}>
          <span aria-hidden="true">← </span>Back to the tokens of {printable(organization.name)}
        </Link>
      ) : (
        <Link to="/tokens">
          <span aria-hidden="true">← </span>Back to token list
        </Link>
      )}
    </p>
  );
}

/** The token as the cache holds it: every change below updates the cache, and this page with it. */
function TokenDetailView({ token, rotate }: { token: TokenDetail; rotate: boolean }) {
  const viewer = useSignedInViewer();
  const [confirming, setConfirming] = useState(false);
  const [deleted, setDeleted] = useState(false);
  const headingRef = useRef<HTMLHeadingElement>(null);
  const revoked = token.status === 'REVOKED';
  const dead = revoked || token.status === 'EXPIRED';
  // The rotation dialog (opened by Rotate, "Narrow to what is used" or a mailed ?rotate=1 link),
  // then the successor's secret, held here only until the reveal dialog closes.
  const [rotating, setRotating] = useState<{ narrowTo: string[] | null } | null>(() =>
    rotate && canRotate(token) ? { narrowTo: null } : null,
  );
  const [rotated, setRotated] = useState<RotatedToken | null>(null);
  const navigate = useNavigate({ from: '/tokens/$id' });

  const closeRotation = () => {
    setRotating(null);
    // The mailed link opened the dialog once; Back or a reload must not open it again.
    if (rotate) void navigate({ search: (previous) => ({ ...previous, rotate: undefined }), replace: true });
  };

  return (
    <>
      <BackLink organization={token.organization} />
      <div className="page-head">
        <h1 ref={headingRef} tabIndex={-1}>
          {printable(token.name)}
        </h1>
        <span className="page-head-status">
          <StatusBadge status={token.status} />
          <ValidFrom token={token} withTime />
        </span>
      </div>
      {token.description ? <p className="lead">{printable(token.description, { multiline: true })}</p> : null}
      {deleted ? (
        <StatusMessage>
          The token “{printable(token.name)}” has been deleted and can no longer be used. It stays listed as
          Revoked.
        </StatusMessage>
      ) : null}
      {rotate && !canRotate(token) ? (
        <p className="alert alert-warning">
          {token.rotation
            ? 'This token has already been rotated: its successor is linked under Rotation below.'
            : 'This token is revoked, so it can no longer be rotated.'}
        </p>
      ) : null}
      <dl className="facts">
        <dt>Token</dt>
        <dd>
          <code>{token.displayPrefix}…</code>
        </dd>
        {token.organization ? (
          <>
            <dt>Organization</dt>
            <dd>
              <Link to="/orgs/$slug/tokens" params={{ slug: token.organization.slug }}>
                {printable(token.organization.name)}
              </Link>{' '}
              (an organization token: it keeps working when its creator leaves)
            </dd>
          </>
        ) : null}
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
        <TokenPermissions token={token} onNarrow={(permissions) => setRotating({ narrowTo: permissions })} />
      </section>

      <section className="card" aria-labelledby="restrictions-title">
        <h2 id="restrictions-title">Restrictions</h2>
        <TokenRestrictions token={token} />
      </section>

      {/* A rotated token's expiry no longer needs reminding: its successor is the one to watch. */}
      {dead || token.rotation ? null : (
        <section className="card" aria-labelledby="expiry-title">
          <h2 id="expiry-title">Expiry</h2>
          <ExpiryRemindersSwitch token={token} />
        </section>
      )}

      <section className="card" aria-labelledby="rotation-title">
        <h2 id="rotation-title">Rotation</h2>
        <TokenRotationCard token={token} onRotate={() => setRotating({ narrowTo: null })} />
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
      {rotating ? (
        <RotateTokenDialog
          token={token}
          narrowTo={rotating.narrowTo}
          onCancel={closeRotation}
          onRotated={(result) => {
            closeRotation();
            setRotated(result);
          }}
        />
      ) : null}
      {rotated ? (
        <RevealTokenDialog
          name={rotated.token.name}
          secret={rotated.secret}
          onClose={() => {
            setRotated(null);
            window.setTimeout(() => headingRef.current?.focus(), 0);
          }}
        />
      ) : null}
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
