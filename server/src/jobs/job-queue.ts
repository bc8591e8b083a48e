import PgBoss from 'pg-boss';
import type { Logger } from '../logger.js';

/** What a job reports when it is done (counts for the log and `run-job`); stored with the job. */
export type JobOutput = Record<string, number>;

/** A job the queue runs on a schedule (and on demand): its name, its UTC cron, its work. */
export interface ScheduledJob {
  name: string;
  /** Five-field cron, evaluated in UTC. */
  cron: string;
  run(): Promise<JobOutput>;
}

/** The queue's tables live in their own schema, away from the entities (and their schema diff). */
export const JOB_SCHEMA = 'pgboss';

const RUN_NOW_TIMEOUT_MS = 5 * 60_000;

/**
 * pg-boss inside each instance (no extra process): every instance works every queue, the
 * database hands each job to one of them (SKIP LOCKED), and the cron schedules fire once per
 * minute slot across all instances. The queue only decides when a job runs; a job's effects must
 * still be idempotent, since a job can run twice (an operator's `run-job`, a retry after a crash):
 * see docs/architecture.md, "Scheduled jobs".
 */
export class JobQueue {
  private boss: PgBoss | null = null;
  private readonly workers = new Map<string, string>();
  private readonly byName: ReadonlyMap<string, ScheduledJob>;

  constructor(
    private readonly deps: {
      databaseUrl: string;
      logger: Logger;
      jobs: readonly ScheduledJob[];
      /** Whether this process fires the cron schedules (servers do; the admin command does not). */
      schedule: boolean;
      /** How often an idle worker looks for work queued elsewhere (seconds, at least 0.5; default 30). */
      pollingSeconds?: number;
    },
  ) {
    this.byName = new Map(deps.jobs.map((job) => [job.name, job]));
  }

  /** The names `runNow` accepts, in declaration order. */
  get names(): string[] {
    return [...this.byName.keys()];
  }

  async start(): Promise<void> {
    if (this.boss) return;
    const boss = new PgBoss({
      connectionString: this.deps.databaseUrl,
      schema: JOB_SCHEMA,
      application_name: 'keyward-jobs',
      max: 3,
      schedule: this.deps.schedule,
      supervise: this.deps.schedule,
      // Daily jobs need no eager polling: an instance picks up a run it queued at once (runNow
      // wakes its worker), and a cron slot is forwarded within half a minute.
      cronWorkerIntervalSeconds: 30,
    });
    boss.on('error', (error: Error) => this.deps.logger.warn({ err: error.message }, 'job queue error'));
    this.boss = boss;
    await boss.start();
    for (const job of this.deps.jobs) {
      // Jobs are idempotent, so a failed run is simply tried again later.
      await boss.createQueue(job.name, {
        name: job.name,
        retryLimit: 3,
        retryDelay: 60,
        retryBackoff: true,
        expireInSeconds: 15 * 60,
      });
      const workerId = await boss.work(
        job.name,
        { pollingIntervalSeconds: this.deps.pollingSeconds ?? 30 },
        async () => this.execute(job),
      );
      this.workers.set(job.name, workerId);
      if (this.deps.schedule) await boss.schedule(job.name, job.cron, {}, { tz: 'UTC' });
    }
  }

  private async execute(job: ScheduledJob): Promise<JobOutput> {
    const started = performance.now();
    try {
      const output = await job.run();
      this.deps.logger.info(
        { job: job.name, ...output, ms: Math.round(performance.now() - started) },
        'job finished',
      );
      return output;
    } catch (error) {
      this.deps.logger.error({ job: job.name, err: error }, 'job failed');
      throw error;
    }
  }

  /**
   * Queues one run of `name` now (no retry) and waits for whichever instance takes it to finish;
   * returns what the job reported. An unknown name throws, naming the known ones.
   */
  async runNow(name: string, timeoutMs = RUN_NOW_TIMEOUT_MS): Promise<JobOutput> {
    const boss = this.boss;
    if (!boss) throw new Error('The job queue is not running.');
    if (!this.byName.has(name))
      throw new UnknownJobError(`Unknown job "${name}": the jobs are ${this.names.join(', ')}.`);
    const id = await boss.send(name, {}, { retryLimit: 0 });
    if (!id) throw new Error(`The queue did not accept a run of ${name}.`);
    const worker = this.workers.get(name);
    if (worker) boss.notifyWorker(worker);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = await boss.getJobById<object>(name, id, { includeArchive: true });
      if (found?.state === 'completed') return (found.output ?? {}) as JobOutput;
      if (found?.state === 'failed' || found?.state === 'cancelled') {
        const message = (found.output as { message?: string } | null)?.message;
        throw new Error(`Job ${name} ${found.state}${message ? `: ${message}` : ''}.`);
      }
      if (Date.now() > deadline) throw new Error(`Job ${name} did not finish within ${timeoutMs} ms.`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** Stops taking work and waits (up to 30 s) for running jobs to finish. */
  async stop(): Promise<void> {
    const boss = this.boss;
    this.boss = null;
    this.workers.clear();
    await boss?.stop({ graceful: true, wait: true, timeout: 30_000 });
  }
}

/** `runNow` with a name no job has. */
export class UnknownJobError extends Error {
  override name = 'UnknownJobError';
}
