import type { EntityManager } from '@mikro-orm/postgresql';
import { type DigestOwner, onceADay } from '../jobs/digest-claim.js';
import { digestAudience, ownerTokens } from '../jobs/digest-owners.js';
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

/** A token's reminder-relevant state: live, active, not rotated, with reminders on. */
const REMINDABLE =
  'token.expiry_reminders and token.active and token.revoked_at is null and token.successor_id is null';

/**
 * The daily expiry-reminder job: one digest per owner listing its live, active tokens that just
 * entered a reminder window (KEYWARD_EXPIRY_REMINDER_DAYS), each with a Rotate link. Owners are
 * accounts (their personal tokens, mailed to them) and organizations (their tokens, mailed to
 * their owners and admins: jobs/digest-owners.ts). Nothing is mailed when nothing is due. Owners
 * and tokens that turned reminders off are left out, and so are rotated tokens (their successor
 * replaces them). At most one digest per owner per UTC day (onceADay).
 */
export async function sendExpiryReminders(
  em: EntityManager,
  options: { windows: readonly number[]; appOrigin: string },
): Promise<JobOutput> {
  const widest = Math.max(...options.windows);
  const due = `token.expires_at > now() and token.expires_at <= now() + make_interval(days => ?)`;
  const owners = await em.fork().execute<{ type: DigestOwner['type']; id: string }[]>(
    `select distinct 'account' as type, token.account_id as id from api_token token join account on account.id = token.account_id
     where token.organization_id is null and account.expiry_reminders and ${REMINDABLE} and ${due}
     union
     select distinct 'organization' as type, token.organization_id as id from api_token token
       join organization on organization.id = token.organization_id
     where organization.expiry_reminders and ${REMINDABLE} and ${due}`,
    [widest, widest],
  );
  let mailed = 0;
  let tokens = 0;
  for (const owner of owners) {
    const result = await onceADay(em, { kind: EXPIRY_REMINDERS_JOB, owner }, (tx) =>
      remindOwner(tx, owner, options),
    );
    if (result?.sent) {
      mailed += result.mails;
      tokens += result.tokens;
    }
  }
  return { owners: owners.length, mailed, tokens };
}

async function remindOwner(
  tx: EntityManager,
  owner: DigestOwner,
  options: { windows: readonly number[]; appOrigin: string },
): Promise<{ sent: boolean; tokens: number; mails: number }> {
  const audience = await digestAudience(tx, owner, 'expiry_reminders');
  if (!audience?.setting || audience.recipients.length === 0) return { sent: false, tokens: 0, mails: 0 };
  const [clock] = await tx.execute<{ now: Date }[]>('select now() as now');
  const mine = ownerTokens(owner);
  const candidates = await tx.execute<ExpiringToken[]>(
    `select token.id, token.name, token.display_prefix, token.expires_at,
            coalesce(array_agg(reminder.window_days) filter (where reminder.window_days is not null), '{}') as reminded
     from api_token token left join token_expiry_reminder reminder on reminder.token_id = token.id
     where ${mine.where} and ${REMINDABLE}
       and token.expires_at > now() and token.expires_at <= now() + make_interval(days => ?)
     group by token.id order by token.expires_at, token.id`,
    [mine.param, Math.max(...options.windows)],
  );
  const now = new Date(clock?.now ?? Date.now()).getTime();
  const digest: ReminderDigest = new Map();
  const reminders: [string, number][] = [];
  for (const token of candidates) {
    const window = reminderWindow(new Date(token.expires_at), now, options.windows);
    if (window === null || token.reminded.includes(window)) continue;
    digest.set(window, [...(digest.get(window) ?? []), token]);
    // The wider windows are done too: a 7-day reminder after the 1-day one would say less, later.
    for (const days of options.windows) if (days >= window) reminders.push([token.id, days]);
  }
  if (digest.size === 0) return { sent: false, tokens: 0, mails: 0 };
  await tx.execute(
    `insert into token_expiry_reminder (token_id, window_days)
     select * from unnest(?::uuid[], ?::int[]) on conflict do nothing`,
    // Array literals of uuids and integers (the query builder would spread a JS array).
    [`{${reminders.map(([id]) => id).join(',')}}`, `{${reminders.map(([, days]) => days).join(',')}}`],
  );
  const organization = owner.type === 'organization' ? audience.name : null;
  for (const recipient of audience.recipients)
    enqueueMail(tx, {
      to: recipient.email,
      kind: EXPIRY_REMINDER_MAIL,
      ...composeReminderMail(recipient.name, digest, options.appOrigin, organization),
    });
  let listed = 0;
  for (const tokens of digest.values()) listed += tokens.length;
  return { sent: true, tokens: listed, mails: audience.recipients.length };
}

/**
 * The digest's text: the most urgent window first; each token with its Rotate link. `organization`:
 * the organization's name when the tokens are an organization's (the mail goes to its admins).
 */
export function composeReminderMail(
  name: string,
  digest: ReminderDigest,
  appOrigin: string,
  organization: string | null = null,
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
  const whose = organization === null ? '' : ` of ${organization}`;
  return {
    subject:
      count === 1 ? `A Keyward token${whose} expires soon` : `${count} Keyward tokens${whose} expire soon`,
    body: [
      `Hello ${name},`,
      organization === null
        ? 'These tokens stop working soon.'
        : `These tokens of the organization ${organization} stop working soon (you are one of its owners or admins).`,
      'A Rotate link opens the rotation dialog for its token in Keyward; nothing changes until you confirm there.',
      ...sections,
      organization === null
        ? 'To stop these reminders, turn them off on a token’s page, or for every token in your account settings.'
        : 'To stop these reminders, turn them off on a token’s page, or for every token of the organization in its policy.',
    ].join('\n\n'),
  };
}

/** `2026-12-03 14:00 UTC`. */
function formatInstant(instant: Date): string {
  return `${instant.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}
