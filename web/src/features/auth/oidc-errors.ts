/**
 * What the login page says after a failed sign-in with OpenID Connect (`/login?error=oidc_…`; the
 * reasons are in docs/api.md, "Sign-in with OpenID Connect"). `provider` is the configured label.
 */
export function oidcErrorMessage(reason: string, provider: string): string | null {
  switch (reason) {
    case 'oidc_failed':
      return `Signing in with ${provider} did not complete: it expired or was interrupted. Please try again.`;
    case 'oidc_denied':
      return `You declined the sign-in at ${provider}, so you are not logged in. Try again, or log in with your email and password.`;
    case 'oidc_unavailable':
      return `${provider} can't be reached right now. Try again later, or log in with your email and password.`;
    case 'oidc_email_unverified':
      return `${provider} did not confirm that your email address is verified, so Keyward can't sign you in with it.`;
    case 'oidc_no_account':
      return `No Keyward account has the email address ${provider} gave. Create an account with that address first, then sign in with ${provider}.`;
    case 'oidc_account_unverified':
      return `Your Keyward account's email address is not verified yet. Open the link in the verification email (or reset your password), then sign in with ${provider} again.`;
    default:
      return reason.startsWith('oidc_')
        ? `Signing in with ${provider} did not work. Please try again.`
        : null;
  }
}
