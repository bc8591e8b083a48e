import path from 'node:path';
import proxyAddr from 'proxy-addr';
import { controlCharacterIndex } from './text.js';

/** Typed configuration, read from the environment once and validated. */
export interface Config {
  nodeEnv: 'development' | 'production' | 'test';
  isProduction: boolean;
  port: number;
  host: string;
  /** null → start embedded PostgreSQL under `dataDir`. */
  databaseUrl: string | null;
  redisUrl: string | null;
  /**
   * Namespace in Redis (KEYWARD_REDIS_PREFIX, default `keyward`): rate-limit keys are `<prefix>:rl:…`
   * and the invalidation channel `<prefix>_invalidation`, so several deployments (or test runs) can
   * share one Redis. Every instance of one deployment must use the same value.
   */
  redisPrefix: string;
  /**
   * The deployment's own origin, for mail links and the same-origin check (KEYWARD_PUBLIC_URL).
   * Required in production; in development null means "a localhost Host, else http://localhost:PORT".
   */
  publicUrl: string | null;
  /** Origins allowed to call the API cross-origin with a bearer token (KEYWARD_CORS_ORIGINS); never with cookies. */
  corsOrigins: ReadonlySet<string>;
  /** Largest request body accepted on any route, in bytes (KEYWARD_BODY_LIMIT, default 64 KiB). */
  bodyLimitBytes: number;
  /** How long a request body may take to arrive (KEYWARD_BODY_TIMEOUT_MS, default 10 s). */
  bodyTimeoutMs: number;
  /** A separate /metrics listener on 127.0.0.1 (KEYWARD_METRICS_PORT); null → none. */
  metricsPort: number | null;
  /** Bearer token that opens /metrics on the public listener (KEYWARD_METRICS_TOKEN); null → not served there. */
  metricsToken: string | null;
  /** The direct GraphQL path for API clients' plain POSTs (KEYWARD_GRAPHQL_FAST_PATH, default on). */
  graphqlFastPath: boolean;
  smtpUrl: string | null;
  mailFrom: string;
  tokenPrefix: string;
  maxTokensPerAccount: number;
  maxTokenRate: number;
  dataDir: string;
  /** The component registry (registry.json + sources); KEYWARD_REGISTRY_DIR, default <dataDir>/registry. */
  registryDir: string;
  logLevel: string;
  /**
   * Reverse proxies whose X-Forwarded-For is believed (KEYWARD_TRUST_PROXY): false, a hop count,
   * or addresses/CIDRs/proxy-addr names (loopback, linklocal, uniquelocal).
   */
  trustProxy: false | number | readonly string[];
  sessionIdleHours: number;
  /** How often buffered lastUsedAt and usage counts are written (KEYWARD_USAGE_FLUSH_MS). */
  usageFlushMs: number;
  sessionAbsoluteDays: number;
  /**
   * The secret that signs programmatic-login access tokens (KEYWARD_SECRET, at least 32 bytes).
   * Required in production; null elsewhere means a key file generated in `dataDir`.
   */
  accessTokenSecret: string | null;
  /** The secret before the last rotation (KEYWARD_SECRET_PREVIOUS): its tokens verify until they expire. */
  accessTokenSecretPrevious: string | null;
  /** Sign-in with OpenID Connect for the web app (KEYWARD_OIDC_*); null when not configured. */
  oidc: OidcConfig | null;
  /**
   * Expiry-reminder windows in days (KEYWARD_EXPIRY_REMINDER_DAYS, default `7,1`): the daily digest
   * lists tokens that entered each window, once per token per window. Largest first.
   */
  expiryReminderDays: readonly number[];
  /** Raw environment, for modules that own their own variables (rate-limit policies). */
  env: Readonly<Record<string, string | undefined>>;
}

/** An OpenID provider the dashboard's sign-in trusts (README, "Configuration"). */
export interface OidcConfig {
  /** The issuer identifier: https, or http on a loopback address outside production (local providers). */
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** The provider's name on the login page ("Sign in with …"; KEYWARD_OIDC_LABEL). */
  label: string;
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

function integer(
  env: Record<string, string | undefined>,
  name: string,
  fallback: number,
  min: number,
  max: number,
) {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw.trim())) throw new ConfigError(`${name} must be a whole number, got "${raw}".`);
  const value = Number(raw);
  if (value < min || value > max)
    throw new ConfigError(`${name} must be between ${min} and ${max}, got ${value}.`);
  return value;
}

function url(env: Record<string, string | undefined>, name: string, protocols: string[]): string | null {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return null;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new ConfigError(`${name} is not a valid URL.`);
  }
  if (!protocols.includes(parsed.protocol)) {
    throw new ConfigError(`${name} must use ${protocols.join(' or ')}, got ${parsed.protocol}`);
  }
  return raw.trim();
}

function metricsToken(env: Record<string, string | undefined>): string | null {
  const raw = env.KEYWARD_METRICS_TOKEN?.trim();
  if (!raw) return null;
  if (raw.length < 16) throw new ConfigError('KEYWARD_METRICS_TOKEN must be at least 16 characters.');
  return raw;
}

function boolean(env: Record<string, string | undefined>, name: string, fallback: boolean): boolean {
  const raw = env[name]?.trim().toLowerCase();
  if (raw === undefined || raw === '') return fallback;
  if (['1', 'true', 'yes', 'on'].includes(raw)) return true;
  if (['0', 'false', 'no', 'off'].includes(raw)) return false;
  throw new ConfigError(`${name} must be true or false, got "${env[name]}".`);
}

/**
 * KEYWARD_TRUST_PROXY with Express's `trust proxy` semantics, except that `true` means one hop
 * (the usual single reverse proxy): trusting every hop would let a client pick its own address.
 */
function trustProxy(env: Record<string, string | undefined>): false | number | readonly string[] {
  const raw = env.KEYWARD_TRUST_PROXY?.trim();
  if (raw === undefined || raw === '' || ['false', '0', 'no', 'off'].includes(raw.toLowerCase()))
    return false;
  if (['true', 'yes', 'on'].includes(raw.toLowerCase())) return 1;
  if (/^\d+$/.test(raw)) return Math.min(Number(raw), 32);
  const list = raw
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  try {
    proxyAddr.compile(list);
  } catch (error) {
    throw new ConfigError(
      `KEYWARD_TRUST_PROXY must be a hop count or a comma-separated list of proxy addresses or CIDR ranges: ${(error as Error).message}`,
    );
  }
  return list;
}

function origins(env: Record<string, string | undefined>, name: string): ReadonlySet<string> {
  const raw = env[name]?.trim();
  if (!raw) return new Set();
  return new Set(
    raw.split(',').map((entry) => {
      const value = entry.trim();
      let parsed: URL;
      try {
        parsed = new URL(value);
      } catch {
        throw new ConfigError(`${name}: "${value}" is not an origin such as https://app.example.com.`);
      }
      if (!['http:', 'https:'].includes(parsed.protocol) || parsed.origin !== value.replace(/\/$/, '')) {
        throw new ConfigError(`${name}: "${value}" is not an origin such as https://app.example.com.`);
      }
      return parsed.origin;
    }),
  );
}

/** A comma-separated list of distinct whole days (1–365), largest first. */
function reminderDays(env: Record<string, string | undefined>): readonly number[] {
  const raw = env.KEYWARD_EXPIRY_REMINDER_DAYS?.trim();
  if (!raw) return [7, 1];
  const days = raw.split(',').map((entry) => entry.trim());
  if (days.some((entry) => !/^\d+$/.test(entry) || Number(entry) < 1 || Number(entry) > 365)) {
    throw new ConfigError(
      `KEYWARD_EXPIRY_REMINDER_DAYS must be whole days from 1 to 365, comma-separated (e.g. 7,1), got "${raw}".`,
    );
  }
  return [...new Set(days.map(Number))].sort((a, b) => b - a);
}

const MIN_SECRET_BYTES = 32;

/** A signing secret of at least 32 bytes, or null when unset; the error never repeats the value. */
function secret(env: Record<string, string | undefined>, name: string): string | null {
  const raw = env[name]?.trim();
  if (!raw) return null;
  if (Buffer.byteLength(raw, 'utf8') < MIN_SECRET_BYTES) {
    throw new ConfigError(
      `${name} must be at least ${MIN_SECRET_BYTES} bytes long; generate one with: openssl rand -base64 48`,
    );
  }
  return raw;
}

const OIDC_VARIABLES = [
  'KEYWARD_OIDC_ISSUER',
  'KEYWARD_OIDC_CLIENT_ID',
  'KEYWARD_OIDC_CLIENT_SECRET',
] as const;
const LOOPBACK_HOSTNAMES = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * KEYWARD_OIDC_ISSUER, _CLIENT_ID and _CLIENT_SECRET: all three or none. The issuer is https; plain
 * http only names a provider on this machine, outside production. KEYWARD_OIDC_LABEL names the
 * provider on the login page (default: Google for Google's issuer, else the issuer's host name).
 */
function oidc(env: Record<string, string | undefined>, production: boolean): OidcConfig | null {
  const values = OIDC_VARIABLES.map((name) => env[name]?.trim() ?? '');
  const missing = OIDC_VARIABLES.filter((_name, index) => values[index] === '');
  if (missing.length === OIDC_VARIABLES.length) return null;
  if (missing.length > 0) {
    throw new ConfigError(
      `Sign-in with OpenID Connect needs ${OIDC_VARIABLES.join(', ')} together: ${missing.join(' and ')} ${missing.length === 1 ? 'is' : 'are'} not set. Set all three, or none to turn it off.`,
    );
  }
  const [issuer = '', clientId = '', clientSecret = ''] = values;
  let parsed: URL;
  try {
    parsed = new URL(issuer);
  } catch {
    throw new ConfigError('KEYWARD_OIDC_ISSUER is not a valid URL, e.g. https://accounts.google.com.');
  }
  const loopback = parsed.protocol === 'http:' && LOOPBACK_HOSTNAMES.has(parsed.hostname);
  if (parsed.protocol !== 'https:' && !(loopback && !production)) {
    throw new ConfigError(
      `KEYWARD_OIDC_ISSUER must use https (plain http only for a provider on localhost, outside production), got ${parsed.protocol}`,
    );
  }
  if (parsed.search || parsed.hash || parsed.username || parsed.password) {
    throw new ConfigError(
      'KEYWARD_OIDC_ISSUER must be the bare issuer identifier (no query, fragment or credentials), e.g. https://accounts.google.com.',
    );
  }
  const label = env.KEYWARD_OIDC_LABEL?.trim() || defaultOidcLabel(parsed);
  if (label.length > 40 || controlCharacterIndex(label) >= 0) {
    throw new ConfigError('KEYWARD_OIDC_LABEL must be at most 40 characters, without control characters.');
  }
  return { issuer, clientId, clientSecret, label };
}

function defaultOidcLabel(issuer: URL): string {
  return issuer.hostname === 'accounts.google.com' ? 'Google' : issuer.hostname;
}

/** Reads and validates the environment; throws ConfigError with a readable message on a bad value. */
export function loadConfig(
  env: Record<string, string | undefined> = process.env,
  cwd = process.cwd(),
): Config {
  const nodeEnvRaw = env.NODE_ENV ?? 'development';
  if (!['development', 'production', 'test'].includes(nodeEnvRaw)) {
    throw new ConfigError(`NODE_ENV must be development, production or test, got "${nodeEnvRaw}".`);
  }
  const nodeEnv = nodeEnvRaw as Config['nodeEnv'];
  const tokenPrefix = env.KEYWARD_TOKEN_PREFIX ?? 'kw';
  if (!/^[a-z][a-z0-9]{1,15}$/.test(tokenPrefix)) {
    throw new ConfigError(
      `KEYWARD_TOKEN_PREFIX must be 2–16 lowercase letters or digits starting with a letter, got "${tokenPrefix}".`,
    );
  }
  const publicUrl = url(env, 'KEYWARD_PUBLIC_URL', ['http:', 'https:']);
  if (nodeEnv === 'production' && !publicUrl) {
    throw new ConfigError(
      'KEYWARD_PUBLIC_URL is required in production: set it to the URL people reach Keyward at, e.g. https://keys.example.com (mailed links and the same-origin check use it, never the Host header).',
    );
  }
  const accessTokenSecret = secret(env, 'KEYWARD_SECRET');
  const accessTokenSecretPrevious = secret(env, 'KEYWARD_SECRET_PREVIOUS');
  if (nodeEnv === 'production' && !accessTokenSecret) {
    throw new ConfigError(
      'KEYWARD_SECRET is required in production: at least 32 random bytes (openssl rand -base64 48), the same on every instance. It signs programmatic-login access tokens and is never stored in the database.',
    );
  }
  const dataDir = path.resolve(cwd, env.KEYWARD_DATA_DIR ?? '.keyward');
  const maxTokenRate = integer(env, 'KEYWARD_MAX_TOKEN_RATE', 10_000, 1, 1_000_000);
  const redisPrefix = env.KEYWARD_REDIS_PREFIX?.trim() || 'keyward';
  if (!/^[A-Za-z0-9_.:-]{1,64}$/.test(redisPrefix)) {
    throw new ConfigError(
      `KEYWARD_REDIS_PREFIX must be 1–64 letters, digits or . _ : -, got "${env.KEYWARD_REDIS_PREFIX}".`,
    );
  }
  return {
    nodeEnv,
    isProduction: nodeEnv === 'production',
    port: integer(env, 'PORT', 4000, 0, 65_535),
    host: env.HOST ?? '0.0.0.0',
    databaseUrl: url(env, 'DATABASE_URL', ['postgres:', 'postgresql:']),
    redisUrl: url(env, 'REDIS_URL', ['redis:', 'rediss:']),
    redisPrefix,
    publicUrl: publicUrl ? new URL(publicUrl).origin : null,
    corsOrigins: origins(env, 'KEYWARD_CORS_ORIGINS'),
    bodyLimitBytes: integer(env, 'KEYWARD_BODY_LIMIT', 64 * 1024, 1024, 16 * 1024 * 1024),
    bodyTimeoutMs: integer(env, 'KEYWARD_BODY_TIMEOUT_MS', 10_000, 100, 300_000),
    metricsPort: env.KEYWARD_METRICS_PORT ? integer(env, 'KEYWARD_METRICS_PORT', 0, 0, 65_535) : null,
    metricsToken: metricsToken(env),
    graphqlFastPath: boolean(env, 'KEYWARD_GRAPHQL_FAST_PATH', true),
    smtpUrl: url(env, 'SMTP_URL', ['smtp:', 'smtps:']),
    mailFrom: env.KEYWARD_MAIL_FROM ?? 'Keyward <no-reply@keyward.local>',
    tokenPrefix,
    maxTokensPerAccount: integer(env, 'KEYWARD_MAX_TOKENS', 20, 1, 100_000),
    maxTokenRate,
    dataDir,
    registryDir: env.KEYWARD_REGISTRY_DIR
      ? path.resolve(cwd, env.KEYWARD_REGISTRY_DIR)
      : path.join(dataDir, 'registry'),
    logLevel: env.LOG_LEVEL ?? (nodeEnv === 'test' ? 'silent' : 'info'),
    trustProxy: trustProxy(env),
    usageFlushMs: integer(env, 'KEYWARD_USAGE_FLUSH_MS', 2000, 10, 600_000),
    sessionIdleHours: integer(env, 'KEYWARD_SESSION_IDLE_HOURS', 24 * 7, 1, 24 * 365),
    sessionAbsoluteDays: integer(env, 'KEYWARD_SESSION_ABSOLUTE_DAYS', 30, 1, 365),
    accessTokenSecret,
    accessTokenSecretPrevious,
    oidc: oidc(env, nodeEnv === 'production'),
    expiryReminderDays: reminderDays(env),
    env,
  };
}
