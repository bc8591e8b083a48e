/**
 * Operator commands against the configured database (DATABASE_URL, or the embedded one under
 * .keyward/, whether or not the server is running).
 *   npm run admin -- create-user --email E --password P [--name N] [--verified] [--plan free|pro|team] [--admin]
 *   npm run admin -- list-accounts [--email PART]
 *   npm run admin -- set-plan --email E --plan free|pro|team
 *   npm run admin -- set-role --email E --role member|admin
 *   npm run admin -- run-job <name>     (run-job.ts)
 * Plan and role changes are audited with the actor `system`; running instances hear of them
 * through the account row's trigger (docs/architecture.md).
 */
import { parseArgs } from 'node:util';
import { AccountAdminService } from '../accounts/account-admin.service.js';
import { PLANS, type Plan, ROLES, type Role } from '../accounts/accounts.entity.js';
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
  npm run admin -- list-accounts [--email PART]
  npm run admin -- set-plan --email E --plan free|pro|team
  npm run admin -- set-role --email E --role member|admin
  npm run admin -- run-job <${JOB_NAMES.join('|')}>`;

const COMMANDS = ['create-user', 'list-accounts', 'set-plan', 'set-role'];

function fail(message: string, code = 2): never {
  console.error(message);
  process.exit(code);
}

const [command, ...rest] = process.argv.slice(2);
if (command === 'run-job') process.exit(await runJob(rest, usage));
if (!command || !COMMANDS.includes(command))
  fail(command ? `Unknown command "${command}".\n${usage}` : usage);

let values: {
  email?: string;
  password?: string;
  name?: string;
  verified?: boolean;
  plan?: string;
  role?: string;
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
      role: { type: 'string' },
      admin: { type: 'boolean' },
    },
    strict: true,
  }));
} catch (error) {
  fail(`${(error as Error).message}\n${usage}`);
}
if (command === 'create-user' && (!values.email || !values.password))
  fail(`--email and --password are required.\n${usage}`);
if ((command === 'set-plan' || command === 'set-role') && !values.email)
  fail(`--email is required.\n${usage}`);
if (command === 'set-plan' && !values.plan) fail(`--plan is required.\n${usage}`);
if (command === 'set-role' && !values.role) fail(`--role is required.\n${usage}`);
const plan = values.plan ?? 'free';
if (!PLANS.includes(plan as Plan)) fail(`--plan must be one of ${PLANS.join(', ')}.`);
if (values.role !== undefined && !ROLES.includes(values.role as Role))
  fail(`--role must be one of ${ROLES.join(', ')}.`);

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
  const em = orm.em.fork();
  const admin = new AccountAdminService();
  if (command === 'create-user') {
    const accounts = new AccountsService({
      sessions: new SessionsService({ idleHours: 1, absoluteDays: 1 }),
      rateLimits: new RateLimits({ policies: loadPolicies(config.env) }),
    });
    const account = await accounts.createAccount(em, {
      email: values.email!,
      password: values.password!,
      ...(values.name ? { name: values.name } : {}),
      emailVerified: values.verified ?? false,
      plan: plan as Plan,
      role: values.admin ? 'admin' : 'member',
    });
    console.log(
      `Created ${account.role} ${account.email} (id ${account.id}, plan ${account.plan}, ${account.emailVerified ? 'verified' : 'unverified'}).`,
    );
  } else if (command === 'list-accounts') {
    let afterId: string | null = null;
    let shown = 0;
    for (;;) {
      const page = await admin.listAccounts(em, 'operator', {
        email: values.email ?? null,
        first: 100,
        afterId,
      });
      for (const account of page.accounts) {
        console.log(
          `${account.email}\t${account.id}\t${account.plan}\t${account.role}\t${account.emailVerified ? 'verified' : 'unverified'}`,
        );
      }
      shown += page.accounts.length;
      if (!page.hasNextPage) break;
      afterId = page.accounts.at(-1)!.id;
    }
    if (shown === 0) console.log('No accounts.');
  } else {
    const found = await admin.findByEmail(em, 'operator', values.email!);
    const changed =
      command === 'set-plan'
        ? await admin.setPlan(em, 'operator', found.id, plan as Plan)
        : await admin.setRole(em, 'operator', found.id, values.role as Role);
    console.log(`${changed.email} is now ${changed.role} on plan ${changed.plan}.`);
  }
} catch (error) {
  if (!isKeywardError(error)) throw error;
  console.error(error.message);
  exitCode = 1;
} finally {
  await orm.close();
  await embedded?.stop();
}
process.exit(exitCode);
