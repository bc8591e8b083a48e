import { useQuery } from '@tanstack/react-query';
import { type FormEvent, useMemo, useRef, useState } from 'react';
import { Dialog } from '../../components/dialog';
import { Field, FieldError, useFocusFirstError } from '../../components/field';
import { ErrorAlert, Loading } from '../../components/messages';
import { type FormErrors, noErrors, toFormErrors } from '../../lib/form-errors';
import { toApiError } from '../../lib/graphql';
import { printable } from '../../lib/printable';
import { useSignedInViewer } from '../../lib/viewer';
import { PolicyNote } from '../organizations/policy-labels';
import { grantableCatalogue, grantedPermissions, PermissionPicker } from './permission-picker';
import { wholeNumberInput } from './restriction-fields';
import { RestrictionsSection } from './restrictions-section';
import {
  defaultExpiry,
  defaultExpiryDate,
  type ExpiryChoice,
  ExpiryField,
  expiryInput,
} from './token-expiry-field';
import { TokenNameField } from './token-name-field';
import { emptyRestrictions, type RestrictionsDraft, restrictionsInput } from './token-restrictions';
import { useCreateToken } from './tokens.mutations';
import {
  type CreatedToken,
  type CreateTokenInput,
  type PermissionPreset,
  permissionCatalogueQuery,
} from './tokens.operations';

const fields = [
  'name',
  'description',
  'expiresAt',
  'permissions',
  'rateLimitPerMinute',
  'allowedCidrs',
  'notBefore',
  'usageLimit',
  'usageRefill',
] as const;
type TokenField = (typeof fields)[number];
const fieldAliases: Record<string, TokenField> = { expiresInDays: 'expiresAt', preset: 'permissions' };

/** What the server gives a token created without a rate limit (see docs/api.md). */
const DEFAULT_RATE_LIMIT = '120';

type NewTokenDialogProps = {
  /** An organization token (owners and admins): the policy is shown, and its refusals on their field. */
  organization?: { id: string; slug: string; name: string } | undefined;
  onCancel: () => void;
  onCreated: (created: CreatedToken) => void;
};

export function NewTokenDialog({ organization, onCancel, onCreated }: NewTokenDialogProps) {
  const catalogue = useQuery(permissionCatalogueQuery);
  const viewer = useSignedInViewer();
  const isAdmin = viewer.role === 'admin';
  const grantable = useMemo(
    () => grantableCatalogue(catalogue.data?.permissionCatalogue ?? [], isAdmin),
    [catalogue.data, isAdmin],
  );
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [expiry, setExpiry] = useState<ExpiryChoice>(defaultExpiry);
  const [expiryDate, setExpiryDate] = useState(defaultExpiryDate);
  const [rateLimit, setRateLimit] = useState(DEFAULT_RATE_LIMIT);
  const [preset, setPreset] = useState<PermissionPreset>('READ_ONLY');
  const [selected, setSelected] = useState<Set<string>>(() => new Set());
  const [restrictions, setRestrictions] = useState<RestrictionsDraft>(emptyRestrictions);
  const [errors, setErrors] = useState<FormErrors<TokenField>>(noErrors);
  const formRef = useRef<HTMLFormElement>(null);
  useFocusFirstError(formRef, errors);
  const create = useCreateToken();

  const validate = (): FormErrors<TokenField> => {
    const found = noErrors<TokenField>();
    if (!name.trim()) found.fields.name = 'Enter a name, so you can recognise the token later.';
    const expiryResult = expiryInput(expiry);
    if ('error' in expiryResult) found.fields.expiresAt = expiryResult.error;
    if (preset === 'CUSTOM' && selected.size === 0)
      found.fields.permissions = 'Choose at least one permission.';
    if (!/^\d+$/.test(rateLimit.trim()) || Number(rateLimit) < 1)
      found.fields.rateLimitPerMinute = 'Enter a whole number of requests per minute, at least 1.';
    const restricted = restrictionsInput(restrictions);
    if ('errors' in restricted) Object.assign(found.fields, restricted.errors);
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
    if (organization) input.organizationId = organization.id;
    if (description.trim()) input.description = description.trim();
    const expiryResult = expiryInput(expiry);
    if ('input' in expiryResult) Object.assign(input, expiryResult.input);
    if (preset === 'CUSTOM') input.permissions = grantedPermissions(grantable, 'CUSTOM', selected);
    // Left at the default, the server's own default applies (an operator may have changed it).
    if (rateLimit.trim() !== DEFAULT_RATE_LIMIT) input.rateLimitPerMinute = Number(rateLimit);
    const restricted = restrictionsInput(restrictions);
    if ('input' in restricted) Object.assign(input, restricted.input);
    create.mutate(input, {
      onSuccess: ({ createToken }) => onCreated(createToken),
      onError: (failure) => setErrors(toFormErrors(toApiError(failure), fields, fieldAliases)),
    });
  };

  return (
    <Dialog
      title={organization ? `New token for ${printable(organization.name)}` : 'New token'}
      onDismiss={onCancel}
      className="dialog-wide"
    >
      <form ref={formRef} onSubmit={submit} noValidate>
        {viewer.emailVerified ? null : (
          <p className="alert alert-warning">
            Tokens need a verified email address: verify yours first with the link we sent to{' '}
            <strong>{viewer.email}</strong> (the banner above can send a new one). Until then, Keyward refuses
            to create the token.
          </p>
        )}
        {organization ? <PolicyNote organization={organization} /> : null}
        {!organization && viewer.plan.toLowerCase() === 'free' ? (
          <p className="hint">
            On the Free plan, API tokens can only read: a change made with one (a GraphQL mutation, a REST
            POST or DELETE) is refused with “plan upgrade required”. Here in the app you can still create and
            revoke your tokens.
          </p>
        ) : null}
        <ErrorAlert message={errors.form} />
        <TokenNameField
          value={name}
          error={errors.fields.name}
          hint="What is it for? For example “CI deploys”."
          onChange={setName}
        />
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
        <ExpiryField
          choice={expiry}
          date={expiryDate}
          error={errors.fields.expiresAt}
          onChange={(choice, date) => {
            setExpiry(choice);
            setExpiryDate(date);
          }}
        />
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
        <Field
          label="Rate limit (requests per minute)"
          error={errors.fields.rateLimitPerMinute}
          hint="How often this token may call the API. The default is 120 requests per minute."
        >
          {(control) => (
            <input
              {...control}
              {...wholeNumberInput}
              value={rateLimit}
              onChange={(event) => setRateLimit(event.target.value)}
            />
          )}
        </Field>
        <RestrictionsSection draft={restrictions} errors={errors.fields} onChange={setRestrictions} />
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
