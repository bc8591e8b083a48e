import { Link } from '@tanstack/react-router';
import { RelativeTime } from '../../components/relative-time';
import { formatDateTime } from '../../lib/time';
import type { TokenDetail, TokenRotation } from './tokens.operations';

/** A token can be rotated once, unless it is revoked. */
export const canRotate = (token: Pick<TokenDetail, 'status' | 'rotation'>): boolean =>
  token.status !== 'REVOKED' && token.rotation === null;

/** The detail page's Rotation card: the rotation's state once rotated, else what rotating does and the button. */
export function TokenRotationCard({ token, onRotate }: { token: TokenDetail; onRotate: () => void }) {
  if (token.rotation) return <RotationState rotation={token.rotation} />;
  if (!canRotate(token)) return <p>This token is revoked: there is nothing left to rotate.</p>;
  return (
    <>
      <p>
        Rotating replaces this token by a new one with the same permissions, restrictions and rate limit. You
        choose how long the old secret keeps working, so clients can switch over.
      </p>
      <button type="button" className="button" onClick={onRotate}>
        Rotate
      </button>
    </>
  );
}

function RotationState({ rotation }: { rotation: TokenRotation }) {
  const graceOver = new Date(rotation.graceEndsAt).getTime() <= Date.now();
  const uses = rotation.oldSecretUses;
  return (
    <>
      <p>
        Rotated <RelativeTime value={rotation.rotatedAt} />: its successor is{' '}
        <Link to="/tokens/$id" params={{ id: rotation.successorId }}>
          <code>{rotation.successorDisplayPrefix}…</code>
        </Link>
        .
      </p>
      <dl className="facts">
        <dt>{graceOver ? 'Grace ended' : 'Grace ends'}</dt>
        <dd>
          <time dateTime={rotation.graceEndsAt}>{formatDateTime(rotation.graceEndsAt)}</time> (
          <RelativeTime value={rotation.graceEndsAt} />)
        </dd>
      </dl>
      <p className="old-secret-use">
        {uses === 0 ? (
          'Old secret not used since rotation.'
        ) : (
          <>
            Old secret used {uses === 1 ? 'once' : `${uses} times`} since rotation
            {rotation.oldSecretLastUsedAt ? (
              <>
                , last{rotation.oldSecretLastUsedIp ? ` from ${rotation.oldSecretLastUsedIp}` : null} (
                <RelativeTime value={rotation.oldSecretLastUsedAt} />)
              </>
            ) : null}
            .
          </>
        )}
      </p>
      <p className="note">
        {graceOver
          ? 'The old secret is refused now; its error names the successor, so whoever still uses it knows what to update.'
          : 'Until then both secrets work. Update every client to the new secret; after the grace period the old one is refused.'}
      </p>
    </>
  );
}
