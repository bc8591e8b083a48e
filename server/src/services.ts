import type { Redis } from 'ioredis';
import { AccountsService } from './accounts/accounts.service.js';
import type { Config } from './config.js';
import type { Orm } from './db/orm.js';
import type { Logger } from './logger.js';
import { MailDispatcher, type MailTransport } from './mail/mail.service.js';
import { loadPolicies } from './rate-limits/policies.js';
import { RateLimits } from './rate-limits/rate-limiter.js';
import { SessionsService } from './sessions/sessions.service.js';

/** The long-lived parts of one server instance, shared by every request. */
export interface Services {
  config: Config;
  logger: Logger;
  orm: Orm;
  redis: Redis | null;
  accounts: AccountsService;
  sessions: SessionsService;
  rateLimits: RateLimits;
  mail: MailDispatcher;
}

export function createServices(deps: {
  config: Config;
  logger: Logger;
  orm: Orm;
  redis: Redis | null;
  mailTransport: MailTransport;
}): Services {
  const { config, logger, orm, redis } = deps;
  const sessions = new SessionsService({
    idleHours: config.sessionIdleHours,
    absoluteDays: config.sessionAbsoluteDays,
  });
  return {
    config,
    logger,
    orm,
    redis,
    sessions,
    accounts: new AccountsService({ sessions }),
    rateLimits: new RateLimits({
      policies: loadPolicies(config.env),
      ...(redis ? { redis } : {}),
      onStoreError: (error, policy) => logger.warn({ err: String(error), policy }, 'rate-limit store failed'),
    }),
    mail: new MailDispatcher({ em: orm.em, transport: deps.mailTransport, from: config.mailFrom, logger }),
  };
}
