import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import pg from 'pg';
import { inject } from 'vitest';
import type { Account, Plan, Role } from '../../server/src/accounts/accounts.entity.js';
import { bootKeyward, type RunningKeyward } from '../../server/src/boot.js';
import { loadConfig } from '../../server/src/config.js';
import { createLogger } from '../../server/src/logger.js';
import type { MailTransport, OutgoingMail } from '../../server/src/mail/mail.service.js';
import type { PermissionCatalogue } from '../../server/src/permissions/catalogue.js';
import { withDatabase } from './global-setup.js';

export interface GqlOptions {
  token?: string;
  cookie?: string;
  headers?: Record<string, string>;
}

export interface GqlResponse<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  body: {
    data?: T | null;
    errors?: { message: string; path?: string[]; extensions?: Record<string, unknown> }[];
  };
}

export interface TestServer {
  url: string;
  keyward: RunningKeyward;
  /** Everything the server logged, as raw JSON lines (for leak checks). */
  logs: string[];
  /** Direct SQL on the test file's own database. */
  sql<R extends pg.QueryResultRow = Record<string, unknown>>(text: string, params?: unknown[]): Promise<R[]>;
  gql<T = Record<string, unknown>>(
    query: string,
    variables?: Record<string, unknown>,
    options?: GqlOptions,
  ): Promise<GqlResponse<T>>;
  rest(path: string, init?: RequestInit & GqlOptions): Promise<Response>;
  seedAccount(options?: SeedAccountOptions): Promise<SeededAccount>;
  /** Logs in through GraphQL and returns the Cookie header value. */
  login(email: string, password: string): Promise<string>;
  /**
   * The newest mail of a kind delivered to an address, as its recipient reads it (link included).
   * Delivers what is queued first. Only with the capturing transport (no SMTP_URL).
   */
  lastMail(to: string, kind: string): Promise<{ subject: string; body: string } | null>;
  /** Every mail the capturing transport delivered, oldest first. */
  mails: OutgoingMail[];
  /**
   * Stops this instance cleanly and boots a new one on the same database (same environment),
   * optionally with another permission catalogue. `url` and `keyward` then name the new instance.
   */
  restart(options?: { catalogue?: PermissionCatalogue }): Promise<void>;
  close(): Promise<void>;
}

export interface SeedAccountOptions {
  email?: string;
  password?: string;
  name?: string;
  verified?: boolean;
  plan?: Plan;
  role?: Role;
}

export interface SeededAccount {
  account: Account;
  email: string;
  password: string;
}

/**
 * Functional tests share one client IP, so per-IP and per-account limits are raised here; the
 * rate-limit tests pass the published values (or none) explicitly.
 */
export const generousLimits: Record<string, string> = {
  KEYWARD_LIMIT_LOGIN: '10000/1m',
  KEYWARD_LIMIT_LOGIN_ACCOUNT: '10000/1m',
  KEYWARD_LIMIT_PASSWORD_RESET_EMAIL: '10000/1m',
  KEYWARD_LIMIT_RESEND_VERIFICATION: '10000/1m',
  KEYWARD_LIMIT_REGISTER: '10000/1m',
  KEYWARD_LIMIT_PASSWORD_RESET: '10000/1m',
  KEYWARD_LIMIT_TOKEN_CREATE: '10000/1m',
  KEYWARD_LIMIT_REGISTRY: '10000/1m',
  KEYWARD_LIMIT_REVOKE_LEAKED: '10000/1m',
};

/** Another real instance (port 0, silent) on an existing database, e.g. a test server's: for scale-out tests. */
export function bootInstance(databaseUrl: string, env: Record<string, string> = {}): Promise<RunningKeyward> {
  const config = loadConfig({
    NODE_ENV: 'test',
    PORT: '0',
    HOST: '127.0.0.1',
    DATABASE_URL: databaseUrl,
    ...generousLimits,
    ...env,
  });
  return bootKeyward(config, createLogger('silent'));
}

/** Boots a real Keyward on port 0 against a fresh database cloned from the migrated template. */
export async function startTestServer(
  env: Record<string, string> = {},
  options: {
    limits?: 'generous' | 'published';
    catalogue?: PermissionCatalogue;
    /** 'capture' (default without SMTP_URL): delivered mail is kept in `mails`; 'real': the server's own transport. */
    mail?: 'capture' | 'real';
  } = {},
): Promise<TestServer> {
  const adminUrl = inject('adminUrl');
  const database = `keyward_t_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${database} TEMPLATE ${inject('templateDatabase')}`);
  const databaseUrl = withDatabase(adminUrl, database);
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, callback) {
      logs.push(...String(chunk).split('\n').filter(Boolean));
      callback();
    },
  });
  const config = loadConfig({
    NODE_ENV: 'test',
    PORT: '0',
    HOST: '127.0.0.1',
    DATABASE_URL: databaseUrl,
    // Each server keeps its data dir (the seeded component registry) to itself.
    KEYWARD_DATA_DIR: path.join(os.tmpdir(), database),
    ...(options.limits === 'published' ? {} : generousLimits),
    // Production refuses the data-directory key file: give it a signing secret of its own.
    ...(env.NODE_ENV === 'production' ? { KEYWARD_SECRET: randomBytes(32).toString('base64url') } : {}),
    ...env,
  });
  const logger = createLogger('debug', sink);
  const mails: OutgoingMail[] = [];
  const capture = !env.SMTP_URL && options.mail !== 'real';
  const mailTransport: MailTransport = {
    send: async (message) => {
      mails.push(message);
    },
  };
  const boot = (catalogue: PermissionCatalogue | undefined) =>
    bootKeyward(config, logger, {
      ...(catalogue ? { catalogue } : {}),
      ...(capture ? { mailTransport } : {}),
    });
  const keyward = await boot(options.catalogue);
  const db = new pg.Pool({ connectionString: databaseUrl, max: 2 });
  // pool.end() resolves before its clients' sockets close, so close()'s DROP DATABASE ... WITH (FORCE)
  // can terminate a backend that is still saying goodbye; the idle client then reports 57P01 through
  // the pool, which would be an uncaught exception without a listener. Query errors still reject.
  db.on('error', () => {});

  const server: TestServer = {
    url: keyward.url,
    keyward,
    logs,
    sql: async (text, params) => (await db.query(text, params)).rows,
    gql: async (query, variables, options = {}) => {
      const response = await fetch(`${server.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...authHeaders(options), ...options.headers },
        body: JSON.stringify({ query, variables }),
      });
      return { status: response.status, headers: response.headers, body: await response.json() };
    },
    rest: (path, init = {}) =>
      fetch(`${server.url}${path}`, { ...init, headers: { ...authHeaders(init), ...init.headers } }),
    seedAccount: async (options = {}) => {
      const email = options.email ?? `user-${randomBytes(4).toString('hex')}@example.com`;
      const password = options.password ?? 'correct horse battery staple';
      const { services } = server.keyward;
      const account = await services.accounts.createAccount(services.orm.em.fork(), {
        email,
        password,
        name: options.name ?? 'Test User',
        emailVerified: options.verified ?? true,
        plan: options.plan ?? 'free',
        role: options.role ?? 'member',
      });
      return { account, email, password };
    },
    login: async (email, password) => {
      const response = await server.gql('mutation($input: LoginInput!) { login(input: $input) { id } }', {
        input: { email, password },
      });
      const cookie = sessionCookieFrom(response.headers);
      if (!cookie) throw new Error(`login failed: ${JSON.stringify(response.body)}`);
      return cookie;
    },
    mails,
    lastMail: async (to, kind) => {
      if (!capture) throw new Error('lastMail needs the capturing mail transport (no SMTP_URL).');
      // A pass already under way may have started before the mail was queued, and a pass takes
      // at most 20 mails: run passes until nothing due is left.
      for (let pass = 0; pass < 100; pass++) {
        await server.keyward.services.mail.kick();
        const [due] = await server.sql<{ n: number }>(
          'select count(*)::int as n from mail_outbox where sent_at is null and next_attempt_at <= now() and attempts < 8',
        );
        if (due?.n === 0) break;
      }
      const found = mails.findLast((mail) => mail.to === to.toLowerCase() && mail.kind === kind);
      return found ? { subject: found.subject, body: found.text } : null;
    },
    restart: async (restartOptions = {}) => {
      await server.keyward.stop();
      server.keyward = await boot(restartOptions.catalogue);
      server.url = server.keyward.url;
    },
    close: async () => {
      await server.keyward.stop();
      await db.end();
      await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
      await admin.end();
      rmSync(path.join(os.tmpdir(), database), { recursive: true, force: true });
    },
  };
  return server;
}

function authHeaders(options: GqlOptions): Record<string, string> {
  const headers: Record<string, string> = {};
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  if (options.cookie !== undefined) {
    headers.cookie = options.cookie;
    headers['x-keyward-csrf'] = '1';
  }
  return headers;
}

/** `name=value` of the session cookie a response sets, or null. */
export function sessionCookieFrom(headers: Headers): string | null {
  for (const setCookie of headers.getSetCookie()) {
    const [pair] = setCookie.split(';');
    if (pair && /keyward_session=./.test(pair)) return pair;
  }
  return null;
}

/** The single-use token inside a mailed link. */
export function linkToken(body: string): string {
  const match = /[?&]token=([A-Za-z0-9_-]+)/.exec(body);
  if (!match?.[1]) throw new Error(`no link token in mail: ${body}`);
  return match[1];
}
