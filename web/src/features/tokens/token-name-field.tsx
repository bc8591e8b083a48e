import type { ReactNode } from 'react';
import { Field } from '../../components/field';

type TokenNameFieldProps = {
  value: string;
  error: string | undefined;
  hint?: ReactNode;
  onChange: (value: string) => void;
};

/** A token's `Name`: required, at most 100 characters (the server's rule, docs/api.md). */
export function TokenNameField({ value, error, hint, onChange }: TokenNameFieldProps) {
  return (
    <Field label="Name" error={error} hint={hint}>
      {(control) => (
        <input
          {...control}
          required
          maxLength={100}
          autoComplete="off"
          value={value}
          onChange={(event) => onChange(event.target.value)}
        />
      )}
    </Field>
  );
}
