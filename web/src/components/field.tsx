import { type ReactNode, type RefObject, useEffect, useId } from 'react';
import type { FormErrors } from '../lib/form-errors';

export type ControlProps = {
  id: string;
  'aria-describedby': string | undefined;
  'aria-invalid': true | undefined;
};

type FieldProps = {
  label: string;
  error?: string | undefined;
  hint?: ReactNode;
  className?: string;
  /** Renders the control with the id and ARIA attributes that tie it to its label, hint and error. */
  children: (control: ControlProps) => ReactNode;
};

/** A labelled form control with an optional hint and an inline error message. */
export function Field({ label, error, hint, className, children }: FieldProps) {
  const id = useId();
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  const describedBy = [hint ? hintId : null, error ? errorId : null].filter(Boolean).join(' ') || undefined;
  return (
    <div className={className ? `field ${className}` : 'field'}>
      <label htmlFor={id}>{label}</label>
      {children({ id, 'aria-describedby': describedBy, 'aria-invalid': error ? true : undefined })}
      {hint ? (
        <p id={hintId} className="hint">
          {hint}
        </p>
      ) : null}
      {error ? (
        <p id={errorId} className="field-error">
          {error}
        </p>
      ) : null}
    </div>
  );
}

/** An inline error for a group of controls (radios, checkbox grids). */
export function FieldError({ id, message }: { id?: string; message: string | undefined }) {
  if (!message) return null;
  return (
    <p id={id} className="field-error">
      {message}
    </p>
  );
}

/**
 * After a submit fails, takes keyboard and screen-reader users to the problem: focus moves to the
 * first invalid control (its aria-describedby reads the message out), or else the first message is
 * scrolled into view, which matters in a scrolled dialog whose submit button sits far below.
 */
export function useFocusFirstError<TField extends string>(
  formRef: RefObject<HTMLFormElement | null>,
  errors: FormErrors<TField>,
): void {
  useEffect(() => {
    const form = formRef.current;
    if (!form || (Object.keys(errors.fields).length === 0 && !errors.form)) return;
    const invalid = form.querySelector<HTMLElement>('[aria-invalid="true"]');
    if (invalid) invalid.focus();
    else form.querySelector('[role="alert"], .field-error')?.scrollIntoView({ block: 'nearest' });
  }, [formRef, errors]);
}
