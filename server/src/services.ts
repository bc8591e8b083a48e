import type { Redis } from 'ioredis';
import pg from 'pg';
import { AccountAdminService } from './accounts/account-admin.service.js';
import { composeAccountLinkMail } from './accounts/account-links.js';
import { AccountSettingsService } from './accounts/account-settings.service.js';
import { AccountsService } from './accounts/accounts.service.js';
import { CombinedInvalidationBus } from './cache/combined-invalidation-bus.js';
import {
  type InvalidationBus,
  PostgresInvalidationBus,
  RedisInvalidationBus,
} from './cache/invalidation-bus.js';
import { TokenInvalidation } from './cache/token-invalidation.js';
import type { Config } from './config.js';
import type { Orm } from './db/orm.js';
import { JobQueue } from './jobs/job-queue.js';
import { scheduledJobs } from './jobs/scheduled-jobs.js';
import type { Logger } from './logger.js';
import { MailDispatcher, type MailTransport } from './mail/mail.service.js';
import { Metrics } from './metrics.js';
import { OrganizationPolicyService } from './organizations/organization-policy.service.js';
import { OrganizationsService } from './organizations/organizations.service.js';
import { TokenInventoryService } from './organizations/token-inventory.service.js';
import { type PermissionCatalogue, permissionCatalogue } from './permissions/catalogue.js';
import { loadPolicies } from './rate-limits/policies.js';
import { RateLimits } from './rate-limits/rate-limiter.js';
import { RegistryService } from './registry/registry.service.js';
import { AccessTokensService } from './sessions/access-tokens.service.js';
import { OidcSignIn } from './sessions/oidc.service.js';
import { SessionsService } from './sessions/sessions.service.js';
import { deploymentSecrets, resolveSigningKeys } from './sessions/signing-keys.js';
import { AdminTokensService } from './tokens/admin-tokens.service.js';
import { TokenCache } from './tokens/token-cache.js';
import { TokenCredits } from './tokens/token-credits.js';
import { TokenVerifier } from './tokens/token-verifier.js';
import { TokensService } from './tokens/tokens.service.js';
import { UsageRecorder } from './tokens/usage-recorder.js';

/** The long-lived parts of one server instance, shared by every request. */
export interface Services {
  config: Config;
  logger: Logger;
  orm: Orm;
  redis: Redis | null;
  accounts: AccountsService;
  accountSettings: AccountSettingsService;
  organizations: OrganizationsService;
  /** Organization policies and who breaks them. */
  organizationPolicy: OrganizationPolicyService;
  /** Organizations' token inventories (owners and admins). */
  tokenInventory: TokenInventoryService;
  /** Site admins' oversight of accounts (plan, role). */
  accountAdmin: AccountAdminService;
  /** Site admins' inventory of every token, and revocation of any. */
  adminTokens: AdminTokensService;
  sessions: SessionsService;
  rateLimits: RateLimits;
  mail: MailDispatcher;
  /** The permission catalogue in force (code; injectable so tests can grow it). */
  catalogue: PermissionCatalogue;
  tokens: TokensService;
  verifier: TokenVerifier;
  usage: UsageRecorder;
  /** Usage credits (usageLimit): PostgreSQL, or Redis when configured. */
  credits: TokenCredits;
  /** rateLimitPerMinute of tokens created without one (KEYWARD_LIMIT_TOKEN_DEFAULT). */
  defaultTokenRate: number;
  accessTokens: AccessTokensService;
  /** Sign-in with OpenID Connect (KEYWARD_OIDC_*); null when not configured. */
  oidc: OidcSignIn | null;
  tokenCache: TokenCache;
  invalidation: TokenInvalidation;
  /** A small pg pool for the hot path (prepared statements, no ORM). */
  pool: pg.Pool;
  metrics: Metrics;
  /** The component registry on disk. */
  registry: RegistryService;
  /** The scheduled jobs' queue (pg-boss), started and stopped with the instance. */
  jobs: JobQueue;
  /**
   * Where links in mail sent by jobs point: KEYWARD_PUBLIC_URL, else (development) this instance's
   * URL, which boot sets once it listens.
   */
  appOrigin: string;
}

/**
 * Stops what createServices started, in order: running jobs finish, buffered usage and queued mail
 * are written and sent, then the connections close.
 */
export async function stopServices(services: Services): Promise<void> {
  await services.jobs.stop();
  await services.usage.stop();
  await services.credits.stop();
  await services.mail.stop();
  await services.invalidation.stop();
  await services.pool.end();
  await services.orm.close();
  services.redis?.disconnect();
}

export function createServices(deps: {
  config: Config;
  logger: Logger;
  orm: Orm;
  databaseUrl: string;
  redis: Redis | null;
  mailTransport: MailTransport;
  catalogue?: PermissionCatalogue;
  /** Whether this process fires the job schedules (false for the admin command). */
  scheduleJobs?: boolean;
}): Services {
  const { config, logger, orm, redis } = deps;
  const pool = new pg.Pool({ connectionString: deps.databaseUrl, max: 10, idleTimeoutMillis: 30_000 });
  pool.on('error', (error) => logger.warn({ err: error.message }, 'hot-path pool error'));
  const tokenCache = new TokenCache();
  // The database's notifications are always heard (they cover changes made in SQL); Redis pub/sub
  // is added when configured.
  const postgresBus = new PostgresInvalidationBus({ databaseUrl: deps.databaseUrl, logger });
  const bus: InvalidationBus = redis
    ? new CombinedInvalidationBus([
        postgresBus,
        new RedisInvalidationBus({ redis, logger, channel: `${config.redisPrefix}_invalidation` }),
      ])
    : postgresBus;
  // A dropped token also ends this instance's lease of its credits (token-credits.ts).
  const invalidation = new TokenInvalidation({
    cache: tokenCache,
    bus,
    logger,
    onTokenDropped: (tokenId) => credits.forget(tokenId),
  });
  const usage = new UsageRecorder({ em: orm.em, logger, intervalMs: config.usageFlushMs });
  const credits = new TokenCredits({
    pool,
    redis,
    keyPrefix: config.redisPrefix,
    logger,
    flushMs: config.usageFlushMs,
    // Credits are leased only while changes to tokens reach this instance.
    canLease: () => tokenCache.enabled,
  });
  const metrics = new Metrics({ cache: tokenCache, usage, pool });
  const catalogue = deps.catalogue ?? permissionCatalogue;
  const policies = loadPolicies(config.env);
  const defaultTokenRate = Math.min(policies.token.points, config.maxTokenRate);
  const rateLimits = new RateLimits({
    policies,
    ...(redis ? { redis } : {}),
    keyPrefix: `${config.redisPrefix}:rl`,
    onStoreError: (error, policy) => logger.warn({ err: String(error), policy }, 'rate-limit store failed'),
  });
  const sessions = new SessionsService({
    idleHours: config.sessionIdleHours,
    absoluteDays: config.sessionAbsoluteDays,
  });
  const accounts = new AccountsService({
    sessions,
    rateLimits,
    onAccountChanged: (accountId) => invalidation.accountChanged(accountId),
  });
  const tokens = new TokensService({
    catalogue,
    rateLimits,
    prefix: config.tokenPrefix,
    maxTokensPerAccount: config.maxTokensPerAccount,
    maxTokenRate: config.maxTokenRate,
    defaultTokenRate,
    credits,
    onTokenChanged: (tokenId) => invalidation.tokenChanged(tokenId),
  });
  const services: Services = {
    config,
    logger,
    orm,
    redis,
    sessions,
    accounts,
    accountSettings: new AccountSettingsService({
      sessions,
      rateLimits,
      onAccountChanged: (accountId) => invalidation.accountChanged(accountId),
    }),
    accountAdmin: new AccountAdminService({
      onAccountChanged: (accountId) => invalidation.accountChanged(accountId),
    }),
    organizations: new OrganizationsService({
      // The membership trigger tells the other instances; this one evicts before answering.
      onMembershipChanged: (accountId) => invalidation.accountChanged(accountId),
    }),
    organizationPolicy: new OrganizationPolicyService({ catalogue }),
    tokenInventory: new TokenInventoryService({ catalogue }),
    adminTokens: new AdminTokensService({
      catalogue,
      onTokensChanged: (revoked) => tokens.tokensChanged(revoked),
      appOrigin: () => services.appOrigin,
    }),
    accessTokens: new AccessTokensService({ keys: resolveSigningKeys(config), accounts, catalogue }),
    oidc: config.oidc ? new OidcSignIn({ config: config.oidc, accounts, secrets: secretsOf(config) }) : null,
    rateLimits,
    mail: new MailDispatcher({
      em: orm.em,
      transport: deps.mailTransport,
      from: config.mailFrom,
      logger,
      composers: { verify_email: composeAccountLinkMail, password_reset: composeAccountLinkMail },
    }),
    catalogue,
    defaultTokenRate,
    tokens,
    verifier: new TokenVerifier({
      pool,
      cache: tokenCache,
      prefix: config.tokenPrefix,
      defaultRate: defaultTokenRate,
      catalogue,
      onOutcome: (code, cached) => metrics.countAuthOutcome(code, cached),
      // A use refused for its address counts, as a denied use (the usage breakdown).
      onAddressRefused: (tokenId, ip) => usage.record(tokenId, ip, 'denied'),
      onOldSecretUse: (tokenId, ip) => usage.oldSecretUsed(tokenId, ip),
    }),
    metrics,
    registry: new RegistryService({ dir: config.registryDir, logger }),
    tokenCache,
    invalidation,
    pool,
    usage,
    credits,
    jobs: new JobQueue({
      databaseUrl: deps.databaseUrl,
      logger,
      schedule: deps.scheduleJobs ?? true,
      jobs: scheduledJobs({
        em: orm.em,
        expiryReminderDays: config.expiryReminderDays,
        appOrigin: () => services.appOrigin,
        onTokensChanged: (changed) => tokens.tokensChanged(changed),
      }),
    }),
    appOrigin: config.publicUrl ?? `http://localhost:${config.port}`,
  };
  return services;
}

function secretsOf(config: Config): string[] {
  const { current, previous } = deploymentSecrets(config);
  return previous ? [current, previous] : [current];
}
