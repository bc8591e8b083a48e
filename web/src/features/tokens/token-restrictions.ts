import { localDateTimeToIso, toDateTimeInputValue } from '../../lib/time';
import type { CreateTokenInput, TightenTokenRestrictionsInput, TokenDetail } from './tokens.operations';

/** The server keeps at most this many addresses or ranges per token (docs/api.md, "Token restrictions"). */
export const MAX_ALLOWED_CIDRS = 20;

export const restrictionFields = ['allowedCidrs', 'notBefore', 'usageLimit', 'usageRefill'] as const;
export type RestrictionField = (typeof restrictionFields)[number];
export type RestrictionErrors = Partial<Record<RestrictionField, string>>;

export type RefillInterval = NonNullable<TokenDetail['usageRefill']>['interval'];

/** How the form offers each refill period, and how the detail page says it ("refilled to 4 every day"). */
export const refillLabels: Record<RefillInterval, string> = {
  DAY: 'Every day',
  WEEK: 'Every week',
  MONTH: 'Every month',
};

/** What the restriction controls hold, as typed: one address or range per line, a local date and time, numbers. */
export type RestrictionsDraft = {
  cidrs: string;
  notBefore: string;
  usageLimit: string;
  refill: RefillInterval | '';
  refillAmount: string;
};

export const emptyRestrictions: RestrictionsDraft = {
  cidrs: '',
  notBefore: '',
  usageLimit: '',
  refill: '',
  refillAmount: '',
};

/** The draft of a token's current restrictions: what the tightening form starts from. */
export function restrictionsDraftOf(
  token: Pick<TokenDetail, 'allowedCidrs' | 'notBefore' | 'usageLimit'>,
): RestrictionsDraft {
  return {
    ...emptyRestrictions,
    cidrs: (token.allowedCidrs ?? []).join('\n'),
    notBefore: token.notBefore ? toDateTimeInputValue(new Date(token.notBefore)) : '',
    usageLimit: token.usageLimit === null ? '' : String(token.usageLimit),
  };
}

/** The addresses and ranges typed one per line (commas and spaces separate them too); blank lines dropped. */
export function cidrLines(text: string): string[] {
  return text
    .split(/[\s,]+/)
    .map((entry) => entry.trim())
    .filter(Boolean);
}

const wholeNumber = (text: string): number | null => (/^\d+$/.test(text.trim()) ? Number(text) : null);

type Checked<T> = { value: T } | { error: string };

function checkCidrs(text: string): Checked<string[] | null> {
  const entries = cidrLines(text);
  if (entries.length === 0) return { value: null };
  if (entries.length > MAX_ALLOWED_CIDRS)
    return { error: `List at most ${MAX_ALLOWED_CIDRS} addresses or ranges (you listed ${entries.length}).` };
  return { value: entries };
}

function checkNotBefore(text: string): Checked<string | null> {
  if (!text) return { value: null };
  const iso = localDateTimeToIso(text);
  return iso ? { value: iso } : { error: 'Enter a date and time, or leave the field empty.' };
}

function checkUsageLimit(text: string): Checked<number | null> {
  if (!text.trim()) return { value: null };
  const limit = wholeNumber(text);
  if (limit === null || limit < 1)
    return { error: 'Enter a whole number of requests, at least 1, or leave the field empty.' };
  return { value: limit };
}

/**
 * The restriction fields of CreateTokenInput (none for what is left empty), or the messages for
 * the fields that can't be sent. The server checks the ranges themselves and reports them on the
 * field.
 */
export function restrictionsInput(
  draft: RestrictionsDraft,
): { input: Pick<CreateTokenInput, RestrictionField> } | { errors: RestrictionErrors } {
  const errors: RestrictionErrors = {};
  const input: Pick<CreateTokenInput, RestrictionField> = {};
  const cidrs = checkCidrs(draft.cidrs);
  if ('error' in cidrs) errors.allowedCidrs = cidrs.error;
  else if (cidrs.value) input.allowedCidrs = cidrs.value;
  const notBefore = checkNotBefore(draft.notBefore);
  if ('error' in notBefore) errors.notBefore = notBefore.error;
  else if (notBefore.value) input.notBefore = notBefore.value;
  const limit = checkUsageLimit(draft.usageLimit);
  if ('error' in limit) errors.usageLimit = limit.error;
  else if (limit.value !== null) input.usageLimit = limit.value;
  // A refill is judged against a usable limit only; an unusable one already has its message.
  if (draft.refill && 'value' in limit) {
    const amount = draft.refillAmount.trim() ? wholeNumber(draft.refillAmount) : limit.value;
    if (limit.value === null)
      errors.usageRefill = 'Set a usage limit first: a refill gives the token its credits back.';
    else if (amount === null || amount < 1)
      errors.usageRefill = 'Enter the credits after each refill: a whole number, at least 1.';
    else if (amount > limit.value) errors.usageRefill = `Refill at most the usage limit (${limit.value}).`;
    else input.usageRefill = { amount, interval: draft.refill };
  }
  return Object.keys(errors).length > 0 ? { errors } : { input };
}

/**
 * What a tightening sends: only the restrictions the user changed. Taking one away (emptying a
 * field the token has) would loosen it, which the server refuses anyway; the form says so at once.
 */
export function tightenInput(
  current: RestrictionsDraft,
  draft: RestrictionsDraft,
): { input: TightenTokenRestrictionsInput } | { errors: RestrictionErrors } {
  const errors: RestrictionErrors = {};
  const input: TightenTokenRestrictionsInput = {};
  const removed = 'Restrictions can only be tightened:';
  if (cidrLines(draft.cidrs).join('\n') !== cidrLines(current.cidrs).join('\n')) {
    const cidrs = checkCidrs(draft.cidrs);
    if ('error' in cidrs) errors.allowedCidrs = cidrs.error;
    else if (cidrs.value) input.allowedCidrs = cidrs.value;
    else errors.allowedCidrs = `${removed} keep at least one address or range (an empty list allows any).`;
  }
  if (draft.notBefore !== current.notBefore) {
    const notBefore = checkNotBefore(draft.notBefore);
    if ('error' in notBefore) errors.notBefore = notBefore.error;
    else if (notBefore.value) input.notBefore = notBefore.value;
    else errors.notBefore = `${removed} the start can move later, not go away.`;
  }
  if (draft.usageLimit.trim() !== current.usageLimit) {
    const limit = checkUsageLimit(draft.usageLimit);
    if ('error' in limit) errors.usageLimit = limit.error;
    else if (limit.value !== null) input.usageLimit = limit.value;
    else errors.usageLimit = `${removed} a usage limit can be lowered, not removed.`;
  }
  return Object.keys(errors).length > 0 ? { errors } : { input };
}
