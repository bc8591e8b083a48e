import type { ReactNode } from 'react';
import { Field } from '../../components/field';
import {
  MAX_ALLOWED_CIDRS,
  type RefillInterval,
  type RestrictionErrors,
  type RestrictionsDraft,
  refillLabels,
} from './token-restrictions';

/** A short input for a whole number of requests, at least 1. */
export const wholeNumberInput = {
  type: 'number',
  inputMode: 'numeric',
  min: 1,
  step: 1,
  className: 'input-short',
} as const;

type DraftProps = {
  draft: RestrictionsDraft;
  errors: RestrictionErrors;
  onChange: (change: Partial<RestrictionsDraft>) => void;
};

/** One address or range per line; the server checks each and names a bad one on the field. */
export function AllowedCidrsField({ draft, errors, onChange, hint }: DraftProps & { hint: ReactNode }) {
  return (
    <Field label="Allowed IP ranges" error={errors.allowedCidrs} hint={hint}>
      {(control) => (
        <textarea
          {...control}
          rows={3}
          className="input-code"
          spellCheck={false}
          autoComplete="off"
          value={draft.cidrs}
          onChange={(event) => onChange({ cidrs: event.target.value })}
        />
      )}
    </Field>
  );
}

export const cidrsHint = `One IPv4 or IPv6 address or CIDR range per line (203.0.113.0/24, 2001:db8::/32), up to ${MAX_ALLOWED_CIDRS}. Requests from anywhere else are refused.`;

export function NotBeforeField({ draft, errors, onChange, hint }: DraftProps & { hint: ReactNode }) {
  return (
    <Field label="Not before" error={errors.notBefore} hint={hint}>
      {(control) => (
        <input
          {...control}
          type="datetime-local"
          className="input-auto"
          value={draft.notBefore}
          onChange={(event) => onChange({ notBefore: event.target.value })}
        />
      )}
    </Field>
  );
}

export function UsageLimitField({ draft, errors, onChange, hint }: DraftProps & { hint: ReactNode }) {
  return (
    <Field label="Usage limit" error={errors.usageLimit} hint={hint}>
      {(control) => (
        <input
          {...control}
          {...wholeNumberInput}
          value={draft.usageLimit}
          onChange={(event) => onChange({ usageLimit: event.target.value })}
        />
      )}
    </Field>
  );
}

const refillIntervals = Object.keys(refillLabels) as RefillInterval[];

/** How the credits come back: never, or each day, week or month to an amount (the limit by default). */
export function RefillFields({ draft, errors, onChange }: DraftProps) {
  return (
    <div className="refill-fields">
      <Field label="Refill" hint="Periods start at midnight UTC; weeks on Monday.">
        {(control) => (
          <select
            {...control}
            value={draft.refill}
            onChange={(event) => onChange({ refill: event.target.value as RefillInterval | '' })}
          >
            <option value="">Never</option>
            {refillIntervals.map((interval) => (
              <option key={interval} value={interval}>
                {refillLabels[interval]}
              </option>
            ))}
          </select>
        )}
      </Field>
      {draft.refill ? (
        <Field
          label="Refill amount"
          error={errors.usageRefill}
          hint="The credits after each refill; empty: the usage limit."
        >
          {(control) => (
            <input
              {...control}
              {...wholeNumberInput}
              value={draft.refillAmount}
              onChange={(event) => onChange({ refillAmount: event.target.value })}
            />
          )}
        </Field>
      ) : null}
    </div>
  );
}
