import { useId } from 'react';
import { Field } from '../../components/field';
import { localDateTimeToIso, toDateTimeInputValue } from '../../lib/time';
import type { CreateTokenInput } from './tokens.operations';

/** The quick choices, in days; the server counts them from its own clock. */
export const quickExpiryDays = [7, 30, 60, 90] as const;

/** What the Expiration fieldset holds: a quick choice, a local date and time, or never. */
export type ExpiryChoice =
  | { kind: 'days'; days: (typeof quickExpiryDays)[number] }
  | { kind: 'date'; value: string }
  | { kind: 'never' };

/** A new token expires in 30 days unless the user picks otherwise. */
export const defaultExpiry: ExpiryChoice = { kind: 'days', days: 30 };

/** One year ahead at the end of that day, in local time: what `Expires at` offers first. */
export function defaultExpiryDate(now: Date = new Date()): string {
  const next = new Date(now.getFullYear() + 1, now.getMonth(), now.getDate(), 23, 59);
  return toDateTimeInputValue(next);
}

/** The expiry fields of CreateTokenInput for a choice (none for never), or an error message. */
export function expiryInput(
  choice: ExpiryChoice,
  now: number = Date.now(),
): { input: Pick<CreateTokenInput, 'expiresInDays' | 'expiresAt'> } | { error: string } {
  if (choice.kind === 'never') return { input: {} };
  if (choice.kind === 'days') return { input: { expiresInDays: choice.days } };
  const expiresAt = localDateTimeToIso(choice.value);
  if (!expiresAt) return { error: 'Enter an expiration date and time.' };
  if (new Date(expiresAt).getTime() <= now) return { error: 'The expiration must be in the future.' };
  return { input: { expiresAt } };
}

type ExpiryFieldProps = {
  choice: ExpiryChoice;
  /** The `Expires at` value, kept while another choice is picked so it is there to come back to. */
  date: string;
  error: string | undefined;
  onChange: (choice: ExpiryChoice, date: string) => void;
};

/** Quick expiry choices (7, 30, 60, 90 days), a custom date and time, or never. */
export function ExpiryField({ choice, date, error, onChange }: ExpiryFieldProps) {
  const name = useId();
  const selected = choice.kind === 'days' ? `days-${choice.days}` : choice.kind;
  const quick: { key: string; label: string; choice: ExpiryChoice }[] = [
    ...quickExpiryDays.map((days) => ({
      key: `days-${days}`,
      label: `${days} days`,
      choice: { kind: 'days', days } as const,
    })),
    { key: 'never', label: 'Never expires', choice: { kind: 'never' } },
  ];
  const radio = (key: string, label: string, next: ExpiryChoice) => (
    <div className="choice" key={key}>
      <input
        type="radio"
        id={`${name}-${key}`}
        name={name}
        checked={selected === key}
        onChange={() => onChange(next, date)}
      />
      <label htmlFor={`${name}-${key}`}>{label}</label>
    </div>
  );

  return (
    <fieldset className="fieldset expiry-field">
      <legend>Expiration</legend>
      <div className="expiry-choices">
        {quick.map((option) => radio(option.key, option.label, option.choice))}
      </div>
      {radio('date', 'Expires at', { kind: 'date', value: date })}
      <Field
        label="Expiration date and time"
        error={error}
        hint="In your time zone."
        className="field-nested"
      >
        {(control) => (
          <input
            {...control}
            type="datetime-local"
            min={toDateTimeInputValue(new Date())}
            value={date}
            onChange={(event) => onChange({ kind: 'date', value: event.target.value }, event.target.value)}
          />
        )}
      </Field>
      <p className="hint">
        Tokens that never expire are convenient but risky; an expiry limits the damage of a leak.
      </p>
    </fieldset>
  );
}
