import type { EntityManager } from '@mikro-orm/postgresql';
import { type DigestOwner, onceADay } from '../jobs/digest-claim.js';
import type { JobOutput } from '../jobs/job-queue.js';
import { enqueueMail } from '../mail/mail.service.js';

export const EXPIRY_REMINDERS_JOB = 'expiry-reminders';
/** The outbox kind of the digest mail. */
export const EXPIRY_REMINDER_MAIL = 'expiry_reminder';

const DAY_MS = 86_400_000;

/**
 * The reminder window a token expiring at `expiresAt` falls in: the smallest configured window
 * (in days) that reaches its expiry, or null when none does (or it has expired). A token is
 * reminded once per window, so one that was listed under "within 7 days" is listed again under
 * "within 1 day" when it gets that close: two reminders, each sent once.
 */
export function reminderWindow(expiresAt: Date, now: number, windows: readonly number[]): number | null {
  const left = expiresAt.getTime() - now;
  if (left <= 0) return null;
  const reaching = windows.filter((days) => left <= days * DAY_MS);
  return reaching.length === 0 ? null : Math.min(...reaching);
}

interface ExpiringToken {
  id: string;
  name: string;
  display_prefix: string;
  expires_at: Date;
  /** Windows this token was already reminded of. */
  reminded: number[];
}

/** What one digest lists: tokens by the window they are reminded of now. */
export type ReminderDigest = Map<number, ExpiringToken[]>;

/**
 * The daily expiry-reminder job: one digest mail per account listing its live, active tokens
 * that just entered a reminder window (KEYWARD_EXPIRY_REMINDER_DAYS), each with a Rotate link.
 * Nothing is mailed when nothing is due. Accounts and tokens that turned reminders off are left
 * out, and so are rotated tokens (their successor replaces them). At most one digest per account per UTC day (onceADay).
 *
 * Owners are accounts today; an organization digest to its admins adds an owner type whose tokens
 * are the organization's and whose recipients are its admins, and reuses the rest.
 */
export async function sendExpiryReminders(
  em: EntityManager,
  options: { windows: readonly number[]; appOrigin: string },
): Promise<JobOutput> {
  const widest = Math.max(...options.windows);
  const accounts = await em.fork().execute<{ id: string }[]>(
    `select distinct token.account_id as id from api_token token join account on account.id = token.account_id
     where token.organization_id is null and account.expiry_reminders and token.expiry_reminders and token.active and token.revoked_at is null and token.successor_id is null
       and token.expires_at > now() and token.expires_at <= now() + make_interval(days => ?)`,
    [widest],
  );
  let mailed = 0;
  let tokens = 0;
  for (const { id } of accounts) {
    const owner: DigestOwner = { type: 'account', id };
    const result = await onceADay(em, { kind: EXPIRY_REMINDERS_JOB, owner }, (tx) =>
      remindAccount(tx, owner, options),
    );
    if (result?.sent) {
      mailed++;
      tokens += result.tokens;
    }
  }
  return { accounts: accounts.length, mailed, tokens };
}

async function remindAccount(
  tx: EntityManager,
  owner: DigestOwner,
  options: { windows: readonly number[]; appOrigin: string },
): Promise<{ sent: boolean; tokens: number }> {
  const [account] = await tx.execute<{ email: string; name: string; expiry_reminders: boolean; now: Date }[]>(
    'select email, name, expiry_reminders, now() as now from account where id = ?',
    [owner.id],
  );
  if (!account?.expiry_reminders) return { sent: false, tokens: 0 };
  const candidates = await tx.execute<ExpiringToken[]>(
    `select token.id, token.name, token.display_prefix, token.expires_at,
            coalesce(array_agg(reminder.window_days) filter (where reminder.window_days is not null), '{}') as reminded
     from api_token token left join token_expiry_reminder reminder on reminder.token_id = token.id
     where token.account_id = ? and token.organization_id is null and token.expiry_reminders and token.active and token.revoked_at is null and token.successor_id is null
       and token.expires_at > now() and token.expires_at <= now() + make_interval(days => ?)
     group by token.id order by token.expires_at, token.id`,
    [owner.id, Math.max(...options.windows)],
  );
  const now = new Date(account.now).getTime();
  const digest: ReminderDigest = new Map();
  const reminders: [string, number][] = [];
  for (const token of candidates) {
    const window = reminderWindow(new Date(token.expires_at), now, options.windows);
    if (window === null || token.reminded.includes(window)) continue;
    digest.set(window, [...(digest.get(window) ?? []), token]);
    // The wider windows are done too: a 7-day reminder after the 1-day one would say less, later.
    for (const days of options.windows) if (days >= window) reminders.push([token.id, days]);
  }
  if (digest.size === 0) return { sent: false, tokens: 0 };
  await tx.execute(
    `insert into token_expiry_reminder (token_id, window_days)
     select * from unnest(?::uuid[], ?::int[]) on conflict do nothing`,
    // Array literals of uuids and integers (the query builder would spread a JS array).
    [`{${reminders.map(([id]) => id).join(',')}}`, `{${reminders.map(([, days]) => days).join(',')}}`],
  );
  enqueueMail(tx, {
    to: account.email,
    kind: EXPIRY_REMINDER_MAIL,
    ...composeReminderMail(account.name, digest, options.appOrigin),
  });
  let listed = 0;
  for (const tokens of digest.values()) listed += tokens.length;
  return { sent: true, tokens: listed };
}

/** The digest's text: the most urgent window first; each token with its Rotate link. */
export function composeReminderMail(
  name: string,
  digest: ReminderDigest,
  appOrigin: string,
): { subject: string; body: string } {
  let count = 0;
  for (const tokens of digest.values()) count += tokens.length;
  const sections = [...digest.entries()]
    .sort(([a], [b]) => a - b)
    .map(([days, tokens]) => {
      const lines = tokens.map((token) =>
        [
          `- ${token.name} (${token.display_prefix}…) expires ${formatInstant(new Date(token.expires_at))}`,
          `  Rotate: ${appOrigin}/tokens/${token.id}?rotate=1`,
        ].join('\n'),
      );
      return [`Expiring within ${days === 1 ? '1 day' : `${days} days`}:`, ...lines].join('\n');
    });
  return {
    subject: count === 1 ? 'A Keyward token expires soon' : `${count} Keyward tokens expire soon`,
    body: [
      `Hello ${name},`,
      'These tokens stop working soon. A Rotate link opens the rotation dialog for its token in Keyward; nothing changes until you confirm there.',
      ...sections,
      'To stop these reminders, turn them off on a token’s page, or for every token in your account settings.',
    ].join('\n\n'),
  };
}

/** `2026-12-03 14:00 UTC`. */
function formatInstant(instant: Date): string {
  return `${instant.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}
