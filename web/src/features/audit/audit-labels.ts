/** Readable names of audit actions (`resource.verb`); unknown actions show their raw name only. */
export const actionLabels: Record<string, string> = {
  'token.create': 'Token created',
  'token.update': 'Token updated',
  'token.activate': 'Token activated',
  'token.deactivate': 'Token deactivated',
  'token.revoke': 'Token revoked',
  'token.rotate': 'Token rotated',
  'token.leak_report': 'Leaked tokens reported',
  'account.register': 'Account created',
  'account.email_verify': 'Email address verified',
  'account.update': 'Account details changed',
  'account.password_change': 'Password changed',
  'account.password_reset_request': 'Password reset requested',
  'account.password_reset': 'Password reset',
  'session.login': 'Logged in',
  'session.login_failed': 'Failed login',
  'session.logout': 'Logged out',
  'session.end': 'Session ended',
  'refresh_token.reuse': 'Refresh token reused: login revoked',
};

/** Readable forms of the short details some events carry; others show as they are. */
const detailLabels: Record<string, string> = {
  wrong_password: 'wrong password',
  unknown_email: 'unknown email',
  throttled: 'too many failed attempts',
  web: 'web app',
  api: 'API (/api/v1)',
  oidc: 'OpenID Connect',
  inactivity: 'unused for too long',
  'login revoked': 'the whole login was revoked',
};

export function detailLabel(detail: string | null): string | null {
  if (!detail) return null;
  return detailLabels[detail] ?? detail;
}

/** The resources events belong to, as the action filter groups them (`token.*`, …). */
export const actionGroups: readonly { resource: string; label: string; all: string }[] = [
  { resource: 'token', label: 'Tokens', all: 'All token events' },
  { resource: 'session', label: 'Sign-ins and sessions', all: 'All sign-in and session events' },
  { resource: 'account', label: 'Account', all: 'All account events' },
  { resource: 'refresh_token', label: 'API logins', all: 'All API login events' },
];

/** A readable name for an action filter: `token.*` → "All token events", `token.revoke` → "Token revoked". */
export function actionFilterLabel(action: string): string {
  const group = actionGroups.find((candidate) => `${candidate.resource}.*` === action);
  return group ? group.all : (actionLabels[action] ?? action);
}
