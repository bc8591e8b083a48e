import type { EntityManager } from '@mikro-orm/postgresql';
import { EXPIRY_REMINDERS_JOB, sendExpiryReminders } from '../tokens/expiry-reminders.js';
import { deactivateInactiveTokens, INACTIVITY_JOB } from '../tokens/inactivity.js';
import { ROTATION_GRACE_JOB, revokeEndedGraces } from '../tokens/token-rotation.js';
import type { ScheduledJob } from './job-queue.js';

/** The jobs an operator can run with `npm run admin -- run-job <name>`, in that order. */
export const JOB_NAMES = [EXPIRY_REMINDERS_JOB, INACTIVITY_JOB, ROTATION_GRACE_JOB] as const;

/**
 * Every scheduled job, in UTC: daily, inactivity first (so a token it deactivates is not also
 * reminded of its expiry), expiry reminders an hour later; every 15 minutes, the revocation of
 * rotated tokens whose grace is over (verification refuses them on time without it).
 */
export function scheduledJobs(deps: {
  em: EntityManager;
  expiryReminderDays: readonly number[];
  /** The app's origin for links in mail (KEYWARD_PUBLIC_URL, else this instance's own URL). */
  appOrigin: () => string;
  /** The tokens service's path for changed tokens: drops them from every instance's cache. */
  onTokensChanged: (tokens: readonly { id: string }[]) => Promise<void>;
}): ScheduledJob[] {
  return [
    {
      name: EXPIRY_REMINDERS_JOB,
      cron: '0 8 * * *',
      run: () =>
        sendExpiryReminders(deps.em, { windows: deps.expiryReminderDays, appOrigin: deps.appOrigin() }),
    },
    {
      name: INACTIVITY_JOB,
      cron: '0 7 * * *',
      run: () =>
        deactivateInactiveTokens(deps.em, {
          appOrigin: deps.appOrigin(),
          onTokensChanged: deps.onTokensChanged,
        }),
    },
    {
      name: ROTATION_GRACE_JOB,
      cron: '*/15 * * * *',
      run: () => revokeEndedGraces(deps.em, { onTokensChanged: deps.onTokensChanged }),
    },
  ];
}
