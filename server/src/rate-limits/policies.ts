/**
 * The published rate limits (README, "Rate limits") as one policy table, with the
 * `COUNT/WINDOW` environment overrides operators and tests use.
 * Pure: no HTTP, no store; the limiter lives in rate-limiter.ts.
 */

export type RateLimitScope = 'token' | 'account' | 'ip';

export type PolicyName =
  | 'token-create'
  | 'token'
  | 'registry'
  | 'login'
  | 'login-account'
  | 'register'
  | 'password-reset'
  | 'password-reset-email'
  | 'resend-verification'
  | 'revoke-leaked';

export interface RateLimitPolicy {
  /** Also the X-RateLimit-Source value, unless a source is given at consume time (the token policy). */
  name: PolicyName;
  /** COUNT: points per window. */
  points: number;
  /** WINDOW in seconds. */
  durationSeconds: number;
  scope: RateLimitScope;
  /** What happens when the shared store (Redis) fails: 'open' = fall back to a per-instance memory limiter; 'closed' = refuse with service_unavailable. */
  onStoreFailure: 'open' | 'closed';
}

interface PolicyDefault {
  name: PolicyName;
  variable: string;
  value: string;
  scope: RateLimitScope;
  onStoreFailure: 'open' | 'closed';
}

/**
 * The published defaults (README, "Rate limits"). The credential endpoints fail closed: an attacker who can
 * knock Redis over must not thereby multiply their password-guessing budget by the
 * number of instances (each per-instance fallback counts alone, and restarts reset it).
 * Everything else fails open so a Redis outage does not take the API down.
 */
const policyDefaults: readonly PolicyDefault[] = [
  {
    name: 'token-create',
    variable: 'KEYWARD_LIMIT_TOKEN_CREATE',
    value: '5/1h',
    scope: 'account',
    onStoreFailure: 'open',
  },
  {
    name: 'token',
    variable: 'KEYWARD_LIMIT_TOKEN_DEFAULT',
    value: '120/1m',
    scope: 'token',
    onStoreFailure: 'open',
  },
  {
    name: 'registry',
    variable: 'KEYWARD_LIMIT_REGISTRY',
    value: '60/1m',
    scope: 'ip',
    onStoreFailure: 'open',
  },
  { name: 'login', variable: 'KEYWARD_LIMIT_LOGIN', value: '10/15m', scope: 'ip', onStoreFailure: 'closed' },
  // Failed logins per account (keyed by the normalized email, so unknown addresses count alike):
  // spreading guesses over many addresses must not get around the per-IP limit.
  {
    name: 'login-account',
    variable: 'KEYWARD_LIMIT_LOGIN_ACCOUNT',
    value: '20/15m',
    scope: 'account',
    onStoreFailure: 'closed',
  },
  {
    name: 'register',
    variable: 'KEYWARD_LIMIT_REGISTER',
    value: '5/1h',
    scope: 'ip',
    onStoreFailure: 'closed',
  },
  {
    name: 'password-reset',
    variable: 'KEYWARD_LIMIT_PASSWORD_RESET',
    value: '3/1h',
    scope: 'ip',
    onStoreFailure: 'closed',
  },
  // Reset mails per email address, whoever asks: nobody can flood one mailbox from many addresses.
  {
    name: 'password-reset-email',
    variable: 'KEYWARD_LIMIT_PASSWORD_RESET_EMAIL',
    value: '3/1h',
    scope: 'account',
    onStoreFailure: 'closed',
  },
  {
    name: 'resend-verification',
    variable: 'KEYWARD_LIMIT_RESEND_VERIFICATION',
    value: '3/1h',
    scope: 'account',
    onStoreFailure: 'closed',
  },
  // Not among the published limits: our own limit on the public leaked-token revocation endpoint.
  {
    name: 'revoke-leaked',
    variable: 'KEYWARD_LIMIT_REVOKE_LEAKED',
    value: '10/1m',
    scope: 'ip',
    onStoreFailure: 'open',
  },
];

export const policyNames: readonly PolicyName[] = policyDefaults.map((p) => p.name);

/** The environment variable that overrides each policy, e.g. `login` → `KEYWARD_LIMIT_LOGIN`. */
export const policyEnvVariables: Readonly<Record<PolicyName, string>> = Object.fromEntries(
  policyDefaults.map((p) => [p.name, p.variable]),
) as Record<PolicyName, string>;

const unitSeconds = { s: 1, m: 60, h: 3600, d: 86_400 } as const;

// Strict on purpose: a typo in an operator's limit must fail at start-up, not silently mean something else.
const limitPattern = /^([1-9][0-9]*)\/([1-9][0-9]*)?([smhd])$/;

/**
 * Parses `COUNT/WINDOW`: COUNT a positive whole number, WINDOW a positive whole
 * number followed by `s`, `m`, `h` or `d`, or the bare unit (`m` = `1m`).
 * Examples: `5/1h`, `120/1m`, `10/15m`, `60/m`. Surrounding whitespace is ignored.
 * @throws Error naming `variableName` and the expected form on anything else
 *   (zero or negative counts, unknown or upper-case units, junk).
 */
export function parseLimit(value: string, variableName: string): { points: number; durationSeconds: number } {
  const match = limitPattern.exec(value.trim());
  const points = Number(match?.[1]);
  const durationSeconds =
    Number(match?.[2] ?? '1') * unitSeconds[(match?.[3] ?? 's') as keyof typeof unitSeconds];
  if (!match || !Number.isSafeInteger(points) || !Number.isSafeInteger(durationSeconds)) {
    throw new Error(
      `${variableName} must look like COUNT/WINDOW, e.g. 10/15m or 60/m (COUNT a positive whole number; ` +
        `WINDOW a positive whole number followed by s, m, h or d, or just the unit); got ${JSON.stringify(value)}.`,
    );
  }
  return { points, durationSeconds };
}

/**
 * Builds the one policy table from the published defaults and `KEYWARD_LIMIT_*`
 * overrides. An unset or blank variable keeps the default (a blank line in an
 * .env file means "not set", not "no limit").
 * @throws Error listing every malformed variable, so start-up fails with a readable message.
 */
export function loadPolicies(env: Record<string, string | undefined>): Record<PolicyName, RateLimitPolicy> {
  const problems: string[] = [];
  const policies: Partial<Record<PolicyName, RateLimitPolicy>> = {};
  for (const entry of policyDefaults) {
    const override = env[entry.variable]?.trim();
    try {
      const { points, durationSeconds } = parseLimit(override ? override : entry.value, entry.variable);
      policies[entry.name] = {
        name: entry.name,
        points,
        durationSeconds,
        scope: entry.scope,
        onStoreFailure: entry.onStoreFailure,
      };
    } catch (error) {
      problems.push((error as Error).message);
    }
  }
  if (problems.length > 0) {
    throw new Error(`Invalid rate-limit configuration: ${problems.join(' ')}`);
  }
  return policies as Record<PolicyName, RateLimitPolicy>;
}

const unitNames: readonly [seconds: number, name: string][] = [
  [86_400, 'day'],
  [3600, 'hour'],
  [60, 'minute'],
  [1, 'second'],
];

/** Human wording of a window for messages: 3600 → "hour", 900 → "15 minutes", 90 → "90 seconds". */
export function describeWindow(durationSeconds: number): string {
  for (const [seconds, name] of unitNames) {
    if (durationSeconds % seconds === 0) {
      const count = durationSeconds / seconds;
      return count === 1 ? name : `${count} ${name}s`;
    }
  }
  return `${durationSeconds} seconds`;
}

/** Human wording of a scope for messages ("per …"): "IP address", "account", "token". */
export function describeScope(scope: RateLimitScope): string {
  return scope === 'ip' ? 'IP address' : scope;
}
