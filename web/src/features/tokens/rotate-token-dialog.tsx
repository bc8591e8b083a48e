import { type FormEvent, useId, useRef, useState } from 'react';
import { Dialog } from '../../components/dialog';
import { Field, FieldError, useFocusFirstError } from '../../components/field';
import { ErrorAlert } from '../../components/messages';
import { type FormErrors, noErrors, toFormErrors } from '../../lib/form-errors';
import { toApiError } from '../../lib/graphql';
import { printable } from '../../lib/printable';
import { localDateTimeToIso, toDateTimeInputValue } from '../../lib/time';
import { defaultExpiryDate } from './token-expiry-field';
import { presetLabels } from './token-labels';
import { TokenNameField } from './token-name-field';
import { useRotateToken } from './tokens.mutations';
import type { RotatedToken, RotateTokenInput, TokenDetail } from './tokens.operations';

/** The grace choices, in hours: how long the old secret keeps working next to the new one. */
const graceChoices = [
  { hours: 0, label: 'None: the old secret stops at once' },
  { hours: 1, label: '1 hour' },
  { hours: 24, label: '24 hours' },
  { hours: 168, label: '7 days' },
] as const;

type GraceHours = (typeof graceChoices)[number]['hours'];

const DEFAULT_GRACE: GraceHours = 24;

const fields = ['name', 'gracePeriodHours', 'expiresAt', 'permissions'] as const;
type RotateField = (typeof fields)[number];
const fieldAliases: Record<string, RotateField> = { expiresInDays: 'expiresAt', preset: 'permissions' };

type RotateTokenDialogProps = {
  token: TokenDetail;
  /** "Narrow to what is used": the successor gets exactly these (CUSTOM); otherwise the old grant. */
  narrowTo: readonly string[] | null;
  onCancel: () => void;
  onRotated: (rotated: RotatedToken) => void;
};

/**
 * Replaces a token by a successor with the same permissions (or fewer), restrictions and rate
 * limit. Nothing happens until `Rotate token` is pressed: the reminder mails link here.
 */
export function RotateTokenDialog({ token, narrowTo, onCancel, onRotated }: RotateTokenDialogProps) {
  const graceName = useId();
  const expiryName = useId();
  const [name, setName] = useState(token.name);
  const [grace, setGrace] = useState<GraceHours>(DEFAULT_GRACE);
  const [newExpiry, setNewExpiry] = useState(false);
  const [expiryDate, setExpiryDate] = useState(() => defaultExpiryDate());
  const [errors, setErrors] = useState<FormErrors<RotateField>>(noErrors);
  const formRef = useRef<HTMLFormElement>(null);
  useFocusFirstError(formRef, errors);
  const rotate = useRotateToken();

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (rotate.isPending) return;
    const found = noErrors<RotateField>();
    if (!name.trim()) found.fields.name = 'Enter a name for the new token.';
    const expiresAt = newExpiry ? localDateTimeToIso(expiryDate) : null;
    if (newExpiry && !expiresAt) found.fields.expiresAt = 'Enter an expiration date and time.';
    else if (expiresAt && new Date(expiresAt).getTime() <= Date.now())
      found.fields.expiresAt = 'The expiration must be in the future.';
    setErrors(found);
    if (Object.keys(found.fields).length > 0) return;
    const input: RotateTokenInput = { gracePeriodHours: grace };
    if (name.trim() !== token.name) input.name = name.trim();
    if (expiresAt) input.expiresAt = expiresAt;
    if (narrowTo) Object.assign(input, { preset: 'CUSTOM', permissions: [...narrowTo] });
    rotate.mutate(
      { id: token.id, input },
      {
        onSuccess: ({ rotateToken }) => onRotated(rotateToken),
        onError: (failure) => setErrors(toFormErrors(toApiError(failure), fields, fieldAliases)),
      },
    );
  };

  return (
    <Dialog title={`Rotate “${printable(token.name)}”`} onDismiss={onCancel} className="dialog-wide">
      <form ref={formRef} onSubmit={submit} noValidate>
        <p>
          Rotating creates a new token with the same restrictions and rate limit and shows its secret once.
          The old secret keeps working during the grace period, so you can update your clients, then it is
          refused.
        </p>
        <ErrorAlert message={errors.form} />
        <TokenNameField
          value={name}
          error={errors.fields.name}
          hint="The new token's name."
          onChange={setName}
        />
        <fieldset
          className="fieldset"
          aria-describedby={errors.fields.gracePeriodHours ? `${graceName}-error` : undefined}
        >
          <legend>Grace period</legend>
          <div className="expiry-choices">
            {graceChoices.map((choice) => (
              <div className="choice" key={choice.hours}>
                <input
                  type="radio"
                  id={`${graceName}-${choice.hours}`}
                  name={graceName}
                  checked={grace === choice.hours}
                  onChange={() => setGrace(choice.hours)}
                />
                <label htmlFor={`${graceName}-${choice.hours}`}>{choice.label}</label>
              </div>
            ))}
          </div>
          <p className="hint">How long the old secret keeps working beside the new one.</p>
          <FieldError id={`${graceName}-error`} message={errors.fields.gracePeriodHours} />
        </fieldset>
        <fieldset className="fieldset expiry-field">
          <legend>Expiration of the new token</legend>
          <div className="choice">
            <input
              type="radio"
              id={`${expiryName}-keep`}
              name={expiryName}
              checked={!newExpiry}
              onChange={() => setNewExpiry(false)}
            />
            <label htmlFor={`${expiryName}-keep`}>
              {token.expiresAt
                ? 'The same lifetime as the old token, from now'
                : 'Never expires, like the old token'}
            </label>
          </div>
          <div className="choice">
            <input
              type="radio"
              id={`${expiryName}-date`}
              name={expiryName}
              checked={newExpiry}
              onChange={() => setNewExpiry(true)}
            />
            <label htmlFor={`${expiryName}-date`}>Expires at</label>
          </div>
          <Field
            label="New expiration date and time"
            error={errors.fields.expiresAt}
            hint="In your time zone."
            className="field-nested"
          >
            {(control) => (
              <input
                {...control}
                type="datetime-local"
                min={toDateTimeInputValue(new Date())}
                value={expiryDate}
                onChange={(event) => {
                  setNewExpiry(true);
                  setExpiryDate(event.target.value);
                }}
              />
            )}
          </Field>
        </fieldset>
        <section className="preview" aria-labelledby={`${graceName}-permissions`}>
          <h3 id={`${graceName}-permissions`}>Permissions of the new token</h3>
          {narrowTo ? (
            <>
              <p>
                <strong>{presetLabels.CUSTOM}</strong>: only the permissions this token used in the last 30
                days.
              </p>
              <ul className="permission-list">
                {narrowTo.map((permission) => (
                  <li key={permission}>
                    <code>{permission}</code>
                  </li>
                ))}
              </ul>
            </>
          ) : (
            <p>
              The same as the old token: <strong>{presetLabels[token.preset]}</strong>.
            </p>
          )}
          <FieldError message={errors.fields.permissions} />
        </section>
        <div className="dialog-actions">
          <button type="button" className="button" onClick={onCancel}>
            Cancel
          </button>
          <button
            type="submit"
            className="button button-primary"
            aria-disabled={rotate.isPending || undefined}
          >
            Rotate token
          </button>
        </div>
      </form>
    </Dialog>
  );
}
