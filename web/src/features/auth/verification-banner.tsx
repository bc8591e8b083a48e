import { useState } from 'react';
import { request, toApiError } from '../../lib/graphql';
import type { Viewer } from '../../lib/viewer';
import { resendVerificationEmailMutation } from './auth.operations';

type ResendState =
  | { kind: 'idle' }
  | { kind: 'sending' }
  | { kind: 'sent' }
  | { kind: 'failed'; message: string };

/** Shown on every page while the account's email is unverified; creating tokens needs it. */
export function VerificationBanner({ viewer }: { viewer: Viewer }) {
  const [state, setState] = useState<ResendState>({ kind: 'idle' });

  const resend = async () => {
    setState({ kind: 'sending' });
    try {
      await request(resendVerificationEmailMutation, {});
      setState({ kind: 'sent' });
    } catch (failure) {
      setState({ kind: 'failed', message: toApiError(failure).message });
    }
  };

  return (
    <section className="banner" aria-label="Email verification">
      <p>
        Please verify your email address: we sent a link to <strong>{viewer.email}</strong>. You need a
        verified email to create tokens.
      </p>
      <button type="button" className="button" onClick={resend} disabled={state.kind === 'sending'}>
        Resend verification email
      </button>
      <div aria-live="polite" className="banner-status">
        {state.kind === 'sent' ? `We sent a new link to ${viewer.email}.` : null}
        {state.kind === 'failed' ? <span className="text-error">{state.message}</span> : null}
      </div>
    </section>
  );
}
