import path from 'node:path';

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
  /** Origin used in mail links and the same-origin CSRF check; null → derived from each request's Host. */
  publicUrl: string | null;
  smtpUrl: string | null;
  mailFrom: string;
  tokenPrefix: string;
  maxTokensPerAccount: number;
  maxTokenRate: number;
  dataDir: string;
  /** The component registry (registry.json + sources); KEYWARD_REGISTRY_DIR, default <dataDir>/registry. */
  registryDir: string;
  logLevel: string;
  /** Trust X-Forwarded-For / X-Forwarded-Proto from a reverse proxy. */
  trustProxy: boolean;
  sessionIdleHours: number;
  /** How often buffered lastUsedAt and usage counts are written (KEYWARD_USAGE_FLUSH_MS). */
  usageFlushMs: number;
  sessionAbsoluteDays: number;
  /** Raw environment, for modules that own their own variables (rate-limit policies). */
  env: Readonly<Record<string, string | undefined>>;
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

function boolean(env: Record<string, string | undefined>, name: string, fallback: boolean): boolean {
  const raw = env[name]?.trim().toLowerCase();
  if (raw === undefined || raw === '') return fallback;
  if (['1', 'true', 'yes', 'on'].includes(raw)) return true;
  if (['0', 'false', 'no', 'off'].includes(raw)) return false;
  throw new ConfigError(`${name} must be true or false, got "${env[name]}".`);
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
    trustProxy: boolean(env, 'KEYWARD_TRUST_PROXY', false),
    usageFlushMs: integer(env, 'KEYWARD_USAGE_FLUSH_MS', 2000, 10, 600_000),
    sessionIdleHours: integer(env, 'KEYWARD_SESSION_IDLE_HOURS', 24 * 7, 1, 24 * 365),
    sessionAbsoluteDays: integer(env, 'KEYWARD_SESSION_ABSOLUTE_DAYS', 30, 1, 365),
    env,
  };
}
