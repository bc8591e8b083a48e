import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Link, useSearch } from '@tanstack/react-router';
import { useEffect, useRef } from 'react';
import { Loading, StatusMessage } from '../../components/messages';
import { request, toApiError } from '../../lib/graphql';
import { useDocumentTitle } from '../../lib/navigation';
import { viewerKey } from '../../lib/query-client';
import { useViewer } from '../../lib/viewer';
import { verifyEmailMutation } from './auth.operations';

export function VerifyEmailPage() {
  useDocumentTitle('Verify your email');
  const { token } = useSearch({ from: '/verify-email' });
  const viewer = useViewer();
  const client = useQueryClient();
  const verify = useMutation({
    mutationFn: (link: string) => request(verifyEmailMutation, { token: link }),
    // The link may be another account's than the one signed in here: reload the viewer.
    onSuccess: () => client.invalidateQueries({ queryKey: viewerKey }),
  });
  // The link is single-use: never send it twice (React runs effects twice in development).
  const sent = useRef(false);
  const { mutate } = verify;
  useEffect(() => {
    if (!token || sent.current) return;
    sent.current = true;
    mutate(token);
  }, [token, mutate]);

  // A used link answers INVALID_LINK, like an expired one: when the signed-in account is already
  // verified, that is what happened (a second click on the mail's link), and nothing is wrong.
  const alreadyVerified = verify.isError && viewer?.emailVerified === true;
  return (
    <div className="auth-card">
      <h1>Verify your email</h1>
      {token && verify.isPending ? <Loading label="Verifying your email address…" /> : null}
      {verify.isSuccess ? (
        <StatusMessage>
          Your email address is verified. <NextStep signedIn={viewer !== null} />
        </StatusMessage>
      ) : null}
      {alreadyVerified ? (
        <StatusMessage>
          Your email is already verified: this link has been used. <NextStep signedIn />
        </StatusMessage>
      ) : null}
      {!token || (verify.isError && !alreadyVerified) ? (
        <div className="alert alert-error" role="alert">
          <p>{token ? toApiError(verify.error).message : 'This link is incomplete: it has no token.'}</p>
          <p>
            {viewer
              ? 'You can ask for a new link from the banner above.'
              : 'If you have verified your email already, just log in; otherwise log in to ask for a new verification link.'}
          </p>
        </div>
      ) : null}
    </div>
  );
}

function NextStep({ signedIn }: { signedIn: boolean }) {
  return signedIn ? <Link to="/tokens">Go to your tokens</Link> : <Link to="/login">Log in</Link>;
}
