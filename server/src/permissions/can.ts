import { KeywardError } from '../errors.js';
import type { Principal } from '../principal.js';
import { planCapsToken } from './presets.js';

/**
 * Whether a principal may use a permission: the one check behind route declarations and the
 * GraphQL `permission` scope. A principal's permission set is already capped by its owner
 * (role, verified email): see docs/architecture.md, "Permissions".
 */
export function can(principal: Principal, permission: string): boolean {
  return principal.kind !== 'anonymous' && principal.permissions.has(permission);
}

/**
 * The refusal for a principal lacking `permission`, worded by who asks: nobody → unauthenticated;
 * an API token → insufficient_scope; an account whose email is unverified → email_not_verified
 * (unverified accounts keep only read actions); any other account → forbidden.
 */
export function permissionDenied(principal: Principal, permissions: readonly string[]): KeywardError {
  const named = permissions.join(' or ');
  switch (principal.kind) {
    case 'anonymous':
      return new KeywardError('unauthenticated');
    case 'token':
      return new KeywardError('insufficient_scope', `The token lacks the permission ${named}.`);
    default:
      if (!principal.account.emailVerified)
        return new KeywardError('email_not_verified', `Verify your email address to use ${named}.`);
      return new KeywardError('forbidden', `Your account may not use ${named}.`);
  }
}

/** Throws permissionDenied unless the principal holds `permission`. */
export function assertCan(principal: Principal, permission: string): void {
  if (!can(principal, permission)) throw permissionDenied(principal, [permission]);
}

/**
 * Whether the principal is an API token its owner's plan keeps read-only (presets.ts,
 * `planCapsToken`): every change it asks for is refused with planUpgradeRequired(), before the
 * permission is checked, so the refusal names the plan rather than a missing permission.
 * Sessions and programmatic logins are never capped by the plan.
 */
export function planKeepsReadOnly(principal: Principal): boolean {
  return principal.kind === 'token' && planCapsToken(principal.token, principal.account);
}

/** The refusal of a change made with a free-plan account's API token (403 plan_upgrade_required). */
export function planUpgradeRequired(): KeywardError {
  return new KeywardError(
    'plan_upgrade_required',
    "The free plan's API tokens are read-only: upgrade the account to the pro or team plan to make changes with a token, or make this change in the web app.",
  );
}
