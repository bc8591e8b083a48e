import { useQuery } from '@tanstack/react-query';
import { type FormEvent, useId, useMemo, useRef, useState } from 'react';
import { Dialog } from '../../components/dialog';
import { Field, FieldError, useFocusFirstError } from '../../components/field';
import { ErrorAlert, Loading } from '../../components/messages';
import { type FormErrors, noErrors, toFormErrors } from '../../lib/form-errors';
import { toApiError } from '../../lib/graphql';
import { endOfLocalDay, oneYearFromToday, toDateInputValue } from '../../lib/time';
import { useSignedInViewer } from '../../lib/viewer';
import { grantableCatalogue, grantedPermissions, PermissionPicker } from './permission-picker';
import { useCreateToken } from './tokens.mutations';
import {
  type CreatedToken,
  type CreateTokenInput,
  type PermissionPreset,
  permissionCatalogueQuery,
} from './tokens.operations';

const fields = ['name', 'description', 'expiresAt', 'permissions'] as const;
type TokenField = (typeof fields)[number];
const fieldAliases: Record<string, TokenField> = { expiresInDays: 'expiresAt', preset: 'permissions' };

type NewTokenDialogProps = { onCancel: () => void; onCreated: (created: CreatedToken) => void };

export function NewTokenDialog({ onCancel, onCreated }: NewTokenDialogProps) {
  const catalogue = useQuery(permissionCatalogueQuery);
  const viewer = useSignedInViewer();
  const isAdmin = viewer.role === 'admin';
  const grantable = useMemo(
    () => grantableCatalogue(catalogue.data?.permissionCatalogue ?? [], isAdmin),
    [catalogue.data, isAdmin],
  );
  const radioName = useId();
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [expiration, setExpiration] = useState<'never' | 'date'>('never');
  const [expiryDate, setExpiryDate] = useState(oneYearFromToday);
  const [preset, setPreset] = useState<PermissionPreset>('READ_ONLY');
  const [selected, setSelected] = useState<Set<string>>(() => new Set());
  const [errors, setErrors] = useState<FormErrors<TokenField>>(noErrors);
  const formRef = useRef<HTMLFormElement>(null);
  useFocusFirstError(formRef, errors);
  const create = useCreateToken();

  const tomorrow = new Date();
  tomorrow.setDate(tomorrow.getDate() + 1);

  const validate = (): FormErrors<TokenField> => {
    const found = noErrors<TokenField>();
    if (!name.trim()) found.fields.name = 'Enter a name, so you can recognise the token later.';
    if (expiration === 'date') {
      const expiresAt = endOfLocalDay(expiryDate);
      if (!expiresAt) found.fields.expiresAt = 'Enter an expiration date.';
      else if (new Date(expiresAt).getTime() <= Date.now())
        found.fields.expiresAt = 'The expiration date must be in the future.';
    }
    if (preset === 'CUSTOM' && selected.size === 0)
      found.fields.permissions = 'Choose at least one permission.';
    return found;
  };

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (create.isPending) return;
    const found = validate();
    setErrors(found);
    if (Object.keys(found.fields).length > 0) return;
    // Optional fields are left out (not sent as null) when unused.
    const input: CreateTokenInput = { name: name.trim(), preset };
    if (description.trim()) input.description = description.trim();
    if (expiration === 'date') input.expiresAt = endOfLocalDay(expiryDate);
    if (preset === 'CUSTOM') input.permissions = grantedPermissions(grantable, 'CUSTOM', selected);
    create.mutate(input, {
      onSuccess: ({ createToken }) => onCreated(createToken),
      onError: (failure) => setErrors(toFormErrors(toApiError(failure), fields, fieldAliases)),
    });
  };

  return (
    <Dialog title="New token" onDismiss={onCancel} className="dialog-wide">
      <form ref={formRef} onSubmit={submit} noValidate>
        {viewer.emailVerified ? null : (
          <p className="alert alert-warning">
            Tokens need a verified email address: verify yours first with the link we sent to{' '}
            <strong>{viewer.email}</strong> (the banner above can send a new one). Until then, Keyward refuses
            to create the token.
          </p>
        )}
        <ErrorAlert message={errors.form} />
        <Field label="Name" error={errors.fields.name} hint="What is it for? For example “CI deploys”.">
          {(control) => (
            <input
              {...control}
              required
              maxLength={100}
              autoComplete="off"
              value={name}
              onChange={(event) => setName(event.target.value)}
            />
          )}
        </Field>
        <Field label="Description" error={errors.fields.description} hint="Optional.">
          {(control) => (
            <textarea
              {...control}
              rows={2}
              maxLength={500}
              value={description}
              onChange={(event) => setDescription(event.target.value)}
            />
          )}
        </Field>
        <fieldset className="fieldset">
          <legend>Expiration</legend>
          <div className="choice">
            <input
              type="radio"
              id={`${radioName}-never`}
              name={radioName}
              checked={expiration === 'never'}
              onChange={() => setExpiration('never')}
            />
            <label htmlFor={`${radioName}-never`}>Never expires</label>
          </div>
          <div className="choice">
            <input
              type="radio"
              id={`${radioName}-date`}
              name={radioName}
              checked={expiration === 'date'}
              onChange={() => setExpiration('date')}
            />
            <label htmlFor={`${radioName}-date`}>Expires at</label>
          </div>
          <Field label="Expiration date" error={errors.fields.expiresAt} className="field-nested">
            {(control) => (
              <input
                {...control}
                type="date"
                min={toDateInputValue(tomorrow)}
                value={expiryDate}
                onChange={(event) => {
                  setExpiryDate(event.target.value);
                  setExpiration('date');
                }}
              />
            )}
          </Field>
          <p className="hint">
            Tokens that never expire are convenient but risky; an expiry limits the damage of a leak.
          </p>
        </fieldset>
        {catalogue.error ? <ErrorAlert message={catalogue.error.message} /> : null}
        {catalogue.data ? (
          <PermissionPicker
            catalogue={grantable}
            preset={preset}
            selected={selected}
            error={errors.fields.permissions}
            onPresetChange={setPreset}
            onSelectedChange={setSelected}
          />
        ) : catalogue.isPending ? (
          <Loading label="Loading permissions…" />
        ) : (
          <FieldError message={errors.fields.permissions} />
        )}
        <div className="dialog-actions">
          <button type="button" className="button" onClick={onCancel}>
            Cancel
          </button>
          <button
            type="submit"
            className="button button-primary"
            disabled={!catalogue.data}
            aria-disabled={create.isPending || undefined}
          >
            Create token
          </button>
        </div>
      </form>
    </Dialog>
  );
}
