import { useMutation } from '@tanstack/react-query';
import { request, toApiError } from '../../lib/graphql';
import type { Viewer } from '../../lib/viewer';
import { resendVerificationEmailMutation } from './auth.operations';

/** Shown on every page while the account's email is unverified; creating tokens needs it. */
export function VerificationBanner({ viewer }: { viewer: Viewer }) {
  const resend = useMutation({ mutationFn: () => request(resendVerificationEmailMutation, {}) });

  return (
    <section className="banner" aria-label="Email verification">
      <p>
        Please verify your email address: we sent a link to <strong>{viewer.email}</strong>. You need a
        verified email to create tokens.
      </p>
      <button type="button" className="button" onClick={() => resend.mutate()} disabled={resend.isPending}>
        Resend verification email
      </button>
      <div aria-live="polite" className="banner-status">
        {resend.isSuccess ? `We sent a new link to ${viewer.email}.` : null}
        {resend.isError ? <span className="text-error">{toApiError(resend.error).message}</span> : null}
      </div>
    </section>
  );
}
