import { useId, useState } from 'react';
import { ErrorAlert } from '../../components/messages';
import { DateOnly } from '../../components/relative-time';
import { ActiveSwitch } from './active-switch';
import { canToggle } from './token-labels';
import type { TokenDetail } from './tokens.operations';

/**
 * The detail page's status: the list's Active switch, with what it means. A revoked token has
 * nothing left to switch, so it gets a sentence instead.
 */
export function TokenStatusControl({ token }: { token: TokenDetail }) {
  const hintId = useId();
  const [error, setError] = useState<string | null>(null);
  if (token.status === 'REVOKED')
    return <p>This token is revoked: it can't be used, or switched on, again.</p>;
  return (
    <div className="status-control">
      <ActiveSwitch token={token} describedBy={hintId} onError={setError} visibleLabel />
      <p id={hintId} className="hint">
        {canToggle(token.status) ? (
          'An inactive token is refused until you switch it on again. Changes apply to the next request.'
        ) : token.status === 'EXPIRED' && token.expiresAt ? (
          <>
            This token expired on <DateOnly value={token.expiresAt} /> and can't be switched on again.
          </>
        ) : (
          "This token can't be switched on or off right now."
        )}
      </p>
      <ErrorAlert message={error} />
    </div>
  );
}
