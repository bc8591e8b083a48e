/**
 * Operator commands against the configured database (DATABASE_URL, or the embedded one under
 * .keyward/, whether or not the server is running).
 *   npm run admin -- create-user --email E --password P [--name N] [--verified] [--plan free|pro|team] [--admin]
 *   npm run admin -- run-job <name>     (run-job.ts)
 */
import { parseArgs } from 'node:util';
import { PLANS, type Plan } from '../accounts/accounts.entity.js';
import { AccountsService } from '../accounts/accounts.service.js';
import { type ConfigError, loadConfig } from '../config.js';
import { startEmbeddedPostgres } from '../db/embedded-postgres.js';
import { initOrm } from '../db/orm.js';
import { isKeywardError } from '../errors.js';
import { JOB_NAMES } from '../jobs/scheduled-jobs.js';
import { loadPolicies } from '../rate-limits/policies.js';
import { RateLimits } from '../rate-limits/rate-limiter.js';
import { SessionsService } from '../sessions/sessions.service.js';
import { runJob } from './run-job.js';

const usage = `Usage:
  npm run admin -- create-user --email E --password P [--name N] [--verified] [--plan free|pro|team] [--admin]
  npm run admin -- run-job <${JOB_NAMES.join('|')}>`;

function fail(message: string, code = 2): never {
  console.error(message);
  process.exit(code);
}

const [command, ...rest] = process.argv.slice(2);
if (command === 'run-job') process.exit(await runJob(rest, usage));
if (command !== 'create-user') fail(command ? `Unknown command "${command}".\n${usage}` : usage);

let values: {
  email?: string;
  password?: string;
  name?: string;
  verified?: boolean;
  plan?: string;
  admin?: boolean;
};
try {
  ({ values } = parseArgs({
    args: rest,
    options: {
      email: { type: 'string' },
      password: { type: 'string' },
      name: { type: 'string' },
      verified: { type: 'boolean' },
      plan: { type: 'string' },
      admin: { type: 'boolean' },
    },
    strict: true,
  }));
} catch (error) {
  fail(`${(error as Error).message}\n${usage}`);
}
if (!values.email || !values.password) fail(`--email and --password are required.\n${usage}`);
const plan = values.plan ?? 'free';
if (!PLANS.includes(plan as Plan)) fail(`--plan must be one of ${PLANS.join(', ')}.`);

let config: ReturnType<typeof loadConfig>;
try {
  config = loadConfig();
} catch (error) {
  fail(`Configuration error: ${(error as ConfigError).message}`, 1);
}
const embedded = config.databaseUrl
  ? null
  : await startEmbeddedPostgres({ dataDir: config.dataDir, database: 'keyward' });
const orm = await initOrm(config.databaseUrl ?? embedded!.url);
let exitCode = 0;
try {
  const accounts = new AccountsService({
    sessions: new SessionsService({ idleHours: 1, absoluteDays: 1 }),
    rateLimits: new RateLimits({ policies: loadPolicies(config.env) }),
  });
  const account = await accounts.createAccount(orm.em.fork(), {
    email: values.email,
    password: values.password,
    ...(values.name ? { name: values.name } : {}),
    emailVerified: values.verified ?? false,
    plan: plan as Plan,
    role: values.admin ? 'admin' : 'member',
  });
  console.log(
    `Created ${account.role} ${account.email} (id ${account.id}, plan ${account.plan}, ${account.emailVerified ? 'verified' : 'unverified'}).`,
  );
} catch (error) {
  if (!isKeywardError(error)) throw error;
  console.error(error.message);
  exitCode = 1;
} finally {
  await orm.close();
  await embedded?.stop();
}
process.exit(exitCode);
