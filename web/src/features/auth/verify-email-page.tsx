import { useEffect, useRef, useState } from 'react';
import { Loading, StatusMessage } from '../../components/messages';
import { request, toApiError } from '../../lib/graphql';
import { Link, useDocumentTitle, useSearchParam } from '../../lib/router';
import { useViewer } from '../../lib/viewer';
import { verifyEmailMutation } from './auth.operations';

type VerifyState = { kind: 'pending' } | { kind: 'verified' } | { kind: 'failed'; message: string };

export function VerifyEmailPage() {
  useDocumentTitle('Verify your email');
  const token = useSearchParam('token');
  const { viewer, refreshViewer } = useViewer();
  const [state, setState] = useState<VerifyState>(
    token ? { kind: 'pending' } : { kind: 'failed', message: 'This link is incomplete: it has no token.' },
  );
  // The link is single-use: never send it twice (React runs effects twice in development).
  const sent = useRef(false);

  useEffect(() => {
    if (!token || sent.current) return;
    sent.current = true;
    request(verifyEmailMutation, { token }).then(
      async () => {
        setState({ kind: 'verified' });
        await refreshViewer();
      },
      (failure: unknown) => setState({ kind: 'failed', message: toApiError(failure).message }),
    );
  }, [token, refreshViewer]);

  return (
    <div className="auth-card">
      <h1>Verify your email</h1>
      {state.kind === 'pending' ? <Loading label="Verifying your email address…" /> : null}
      {state.kind === 'verified' ? (
        <StatusMessage>
          Your email address is verified.{' '}
          {viewer ? <Link to="/tokens">Go to your tokens</Link> : <Link to="/login">Log in</Link>}
        </StatusMessage>
      ) : null}
      {state.kind === 'failed' ? (
        <div className="alert alert-error" role="alert">
          <p>{state.message}</p>
          <p>
            {viewer
              ? 'You can ask for a new link from the banner above.'
              : 'Log in to ask for a new verification link.'}
          </p>
        </div>
      ) : null}
    </div>
  );
}
