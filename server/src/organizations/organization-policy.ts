import { KeywardError, validationError } from '../errors.js';
import { isPermissionPreset, PERMISSION_PRESETS, type PermissionPreset } from '../permissions/presets.js';

/**
 * An organization's token policy, set by its owners: the longest lifetime a token may have, whether
 * an expiry is required, which presets are allowed. It is enforced when an organization token is
 * created (assertWithinPolicy) and reported for tokens that already exist (policyViolations).
 */
export interface OrganizationPolicy {
  /** null: no maximum. */
  maxLifetimeDays: number | null;
  requireExpiry: boolean;
  /** null: every preset. */
  allowedPresets: readonly PermissionPreset[] | null;
}

/** The rules a token can break, as the `policy_*` error codes and `Token.outOfPolicy` name them. */
export type PolicyRule = 'expiry_required' | 'max_lifetime_exceeded' | 'preset_not_allowed';

export const MIN_POLICY_LIFETIME_DAYS = 1;
export const MAX_POLICY_LIFETIME_DAYS = 3650;

const DAY_MS = 86_400_000;

export const NO_POLICY: OrganizationPolicy = Object.freeze({
  maxLifetimeDays: null,
  requireExpiry: false,
  allowedPresets: null,
});

/** Validates a policy as set by an owner; absent fields keep `current`'s value, null clears one. */
export function validatePolicyInput(
  input: {
    maxLifetimeDays?: number | null;
    requireExpiry?: boolean | null;
    allowedPresets?: readonly string[] | null;
  },
  current: OrganizationPolicy,
): OrganizationPolicy {
  const maxLifetimeDays =
    input.maxLifetimeDays === undefined ? current.maxLifetimeDays : input.maxLifetimeDays;
  if (
    maxLifetimeDays !== null &&
    (!Number.isInteger(maxLifetimeDays) ||
      maxLifetimeDays < MIN_POLICY_LIFETIME_DAYS ||
      maxLifetimeDays > MAX_POLICY_LIFETIME_DAYS)
  ) {
    throw validationError(
      'maxLifetimeDays',
      `use a whole number of days from ${MIN_POLICY_LIFETIME_DAYS} to ${MAX_POLICY_LIFETIME_DAYS}, or null for no maximum.`,
    );
  }
  const requireExpiry = input.requireExpiry == null ? current.requireExpiry : input.requireExpiry;
  let allowedPresets = input.allowedPresets === undefined ? current.allowedPresets : input.allowedPresets;
  if (allowedPresets !== null) {
    const unknown = allowedPresets.filter((preset) => !isPermissionPreset(preset));
    if (unknown.length > 0)
      throw validationError(
        'allowedPresets',
        `unknown preset ${unknown.join(', ')}; use ${PERMISSION_PRESETS.join(', ')}.`,
      );
    if (allowedPresets.length === 0)
      throw validationError('allowedPresets', 'allow at least one preset, or null for every preset.');
    allowedPresets = PERMISSION_PRESETS.filter((preset) => allowedPresets?.includes(preset));
  }
  return { maxLifetimeDays, requireExpiry, allowedPresets: allowedPresets as PermissionPreset[] | null };
}

/**
 * The rules a token breaks, in a fixed order. A maximum lifetime implies an expiry: a token that
 * never expires breaks it too. The lifetime counts from the token's creation.
 */
export function policyViolations(
  token: { preset: PermissionPreset; expiresAt: Date | null; createdAt: Date },
  policy: OrganizationPolicy,
): PolicyRule[] {
  const broken: PolicyRule[] = [];
  if (policy.requireExpiry && token.expiresAt === null) broken.push('expiry_required');
  if (
    policy.maxLifetimeDays !== null &&
    (token.expiresAt === null ||
      token.expiresAt.getTime() - token.createdAt.getTime() > policy.maxLifetimeDays * DAY_MS)
  )
    broken.push('max_lifetime_exceeded');
  if (policy.allowedPresets !== null && !policy.allowedPresets.includes(token.preset))
    broken.push('preset_not_allowed');
  return broken;
}

/**
 * policyViolations in SQL: whether the token `token` (an `api_token` alias) breaks any rule of the
 * organization `organization` (an `organization` alias). The same three rules, the same lifetime
 * arithmetic (from creation; no expiry breaks a maximum); the integration tests check the two agree.
 */
export function breaksPolicySql(token: string, organization: string): string {
  const t = (column: string) => `${token}.${column}`;
  const o = (column: string) => `${organization}.${column}`;
  return `((${o('require_expiry')} and ${t('expires_at')} is null)
    or (${o('max_lifetime_days')} is not null and (${t('expires_at')} is null
      or ${t('expires_at')} - ${t('created_at')} > ${o('max_lifetime_days')} * interval '1 day'))
    or (${o('allowed_presets')} is not null and not (${t('preset')} = any(${o('allowed_presets')}))))`;
}

/** The policy held in an organization's columns. */
export function policyOf(organization: {
  maxLifetimeDays: number | null;
  requireExpiry: boolean;
  allowedPresets: readonly PermissionPreset[] | null;
}): OrganizationPolicy {
  return {
    maxLifetimeDays: organization.maxLifetimeDays,
    requireExpiry: organization.requireExpiry,
    allowedPresets: organization.allowedPresets,
  };
}

/** Refuses a new token that would break the policy, with the code of the first rule it breaks. */
export function assertWithinPolicy(
  token: { preset: PermissionPreset; expiresAt: Date | null },
  policy: OrganizationPolicy,
  now: number,
): void {
  const [rule] = policyViolations({ ...token, createdAt: new Date(now) }, policy);
  if (rule === undefined) return;
  throw policyRefusal(rule, policy);
}

function policyRefusal(rule: PolicyRule, policy: OrganizationPolicy): KeywardError {
  switch (rule) {
    case 'expiry_required':
      return new KeywardError(
        'policy_expiry_required',
        "The organization's policy requires an expiry: set expiresInDays or expiresAt.",
        { field: 'expiresAt' },
      );
    case 'max_lifetime_exceeded':
      return new KeywardError(
        'policy_max_lifetime_exceeded',
        `The organization's policy allows tokens to live at most ${policy.maxLifetimeDays} days: choose an earlier expiry.`,
        { field: 'expiresAt' },
      );
    case 'preset_not_allowed':
      return new KeywardError(
        'policy_preset_not_allowed',
        `The organization's policy allows only the presets ${(policy.allowedPresets ?? []).join(', ')}.`,
        { field: 'preset' },
      );
  }
}
