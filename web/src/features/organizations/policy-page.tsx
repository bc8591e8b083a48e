import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useId, useRef, useState } from 'react';
import { Field, FieldError, useFocusFirstError } from '../../components/field';
import { ErrorAlert, StatusMessage } from '../../components/messages';
import { PageSkeleton } from '../../components/skeleton';
import { type FormErrors, noErrors, toFormErrors } from '../../lib/form-errors';
import { request, toApiError } from '../../lib/graphql';
import { useDocumentTitle } from '../../lib/navigation';
import { printable } from '../../lib/printable';
import { auditKeys } from '../audit/audit.operations';
import { presetDescriptions, presetLabels } from '../tokens/token-labels';
import type { PermissionPreset } from '../tokens/tokens.operations';
import { tokenKeys } from '../tokens/tokens.operations';
import { useOrganization } from './organization-layout';
import {
  type OrganizationPolicy,
  organizationKeys,
  policyQuery,
  type SetPolicyInput,
  setPolicyMutation,
} from './organizations.operations';
import { presetList } from './policy-labels';

const presets: PermissionPreset[] = ['ALL', 'READ_ONLY', 'CLI', 'CUSTOM'];

const fields = [
  'maxLifetimeDays',
  'requireExpiry',
  'allowedPresets',
  'deactivateAfterDays',
  'expiryReminders',
] as const;
type PolicyField = (typeof fields)[number];

/**
 * The organization's token policy: owners change it, everyone else reads it. It decides which
 * new organization tokens are allowed; existing tokens that break it are marked in the inventory.
 */
export function PolicyPage() {
  const organization = useOrganization();
  useDocumentTitle(`Policy · ${organization.name}`);
  const query = useQuery(policyQuery(organization.slug));
  const owner = organization.viewerRole === 'OWNER';
  return (
    <>
      <h2>Policy</h2>
      <p className="lead">
        What the tokens of {printable(organization.name)} must respect. A new organization token that breaks
        the policy is refused, naming the rule; existing ones that break it are marked out of policy in the
        inventory.
      </p>
      {query.isPending ? <PageSkeleton label="Loading the policy…" /> : null}
      <ErrorAlert message={query.error?.message} />
      {query.data === null ? <ErrorAlert message="This organization’s policy could not be found." /> : null}
      {query.data ? owner ? <PolicyForm policy={query.data} /> : <PolicySummary policy={query.data} /> : null}
    </>
  );
}

/** The policy in words, for admins and members (read-only). */
function PolicySummary({ policy }: { policy: OrganizationPolicy }) {
  return (
    <section className="card" aria-labelledby="policy-summary-title">
      <h3 id="policy-summary-title">Current policy</h3>
      <dl className="facts">
        <dt>Maximum lifetime</dt>
        <dd>{policy.maxLifetimeDays === null ? 'No maximum' : days(policy.maxLifetimeDays)}</dd>
        <dt>Expiry</dt>
        <dd>{policy.requireExpiry || policy.maxLifetimeDays !== null ? 'Required' : 'Not required'}</dd>
        <dt>Allowed presets</dt>
        <dd>{policy.allowedPresets ? presetList(policy.allowedPresets) : 'Every preset'}</dd>
        <dt>Unused tokens</dt>
        <dd>
          {policy.deactivateAfterDays === null
            ? 'Never deactivated'
            : `Deactivated after ${days(policy.deactivateAfterDays)} unused`}
        </dd>
        <dt>Expiry reminders</dt>
        <dd>{policy.expiryReminders ? 'Mailed to owners and admins' : 'Off'}</dd>
      </dl>
      <p className="muted">Only owners change the policy.</p>
    </section>
  );
}

const days = (count: number): string => `${count} ${count === 1 ? 'day' : 'days'}`;

/** A whole number of days, or null for an empty field; undefined when it is neither. */
function parseDays(text: string): number | null | undefined {
  const value = text.trim();
  if (!value) return null;
  return /^\d+$/.test(value) ? Number(value) : undefined;
}

function PolicyForm({ policy }: { policy: OrganizationPolicy }) {
  const organization = useOrganization();
  const client = useQueryClient();
  const id = useId();
  const [maxLifetime, setMaxLifetime] = useState(policy.maxLifetimeDays?.toString() ?? '');
  const [requireExpiry, setRequireExpiry] = useState(policy.requireExpiry);
  const [allowed, setAllowed] = useState<Set<PermissionPreset>>(
    () => new Set(policy.allowedPresets ?? presets),
  );
  const [deactivateAfter, setDeactivateAfter] = useState(policy.deactivateAfterDays?.toString() ?? '');
  const [reminders, setReminders] = useState(policy.expiryReminders);
  const [errors, setErrors] = useState<FormErrors<PolicyField>>(noErrors);
  const [saved, setSaved] = useState(false);
  const formRef = useRef<HTMLFormElement>(null);
  useFocusFirstError(formRef, errors);
  const save = useMutation({
    mutationFn: (input: SetPolicyInput) => request(setPolicyMutation, { input }),
    onSuccess: ({ setOrganizationPolicy }) => {
      client.setQueryData(organizationKeys.policy(organization.slug), setOrganizationPolicy.policy);
      // Which tokens are out of policy changed with it.
      void client.invalidateQueries({ queryKey: tokenKeys.all });
      void client.invalidateQueries({ queryKey: auditKeys.all });
      setSaved(true);
    },
    onError: (failure) => setErrors(toFormErrors(toApiError(failure), fields)),
  });

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (save.isPending) return;
    const found = noErrors<PolicyField>();
    const maxLifetimeDays = parseDays(maxLifetime);
    if (maxLifetimeDays === undefined)
      found.fields.maxLifetimeDays = 'Enter a whole number of days, or leave it empty for no maximum.';
    const deactivateAfterDays = parseDays(deactivateAfter);
    if (deactivateAfterDays === undefined)
      found.fields.deactivateAfterDays =
        'Enter a whole number of days, or leave it empty to never deactivate.';
    if (allowed.size === 0) found.fields.allowedPresets = 'Allow at least one preset.';
    setErrors(found);
    setSaved(false);
    if (Object.keys(found.fields).length > 0) return;
    save.mutate({
      organizationId: organization.id,
      maxLifetimeDays: maxLifetimeDays ?? null,
      requireExpiry,
      // Every preset ticked: no restriction, which also lets through presets added later.
      allowedPresets:
        allowed.size === presets.length ? null : presets.filter((preset) => allowed.has(preset)),
      deactivateAfterDays: deactivateAfterDays ?? null,
      expiryReminders: reminders,
    });
  };

  const presetsErrorId = `${id}-presets-error`;
  return (
    <form ref={formRef} onSubmit={submit} noValidate className="card policy-form">
      <ErrorAlert message={errors.form} />
      <Field
        label="Maximum lifetime (days)"
        error={errors.fields.maxLifetimeDays}
        hint="From 1 to 3650 days; empty for no maximum. A maximum also requires an expiry."
      >
        {(control) => (
          <input
            {...control}
            type="number"
            inputMode="numeric"
            min={1}
            step={1}
            className="input-short"
            value={maxLifetime}
            onChange={(event) => setMaxLifetime(event.target.value)}
          />
        )}
      </Field>
      <div className="field">
        <div className="choice">
          <input
            type="checkbox"
            id={`${id}-require`}
            checked={requireExpiry}
            onChange={(event) => setRequireExpiry(event.target.checked)}
          />
          <label htmlFor={`${id}-require`}>Require an expiry</label>
          <p className="hint choice-hint">Tokens that never expire are refused.</p>
        </div>
        <FieldError message={errors.fields.requireExpiry} />
      </div>
      <fieldset
        className="fieldset"
        aria-describedby={errors.fields.allowedPresets ? presetsErrorId : undefined}
      >
        <legend>Allowed presets</legend>
        {presets.map((preset) => (
          <div className="choice" key={preset}>
            <input
              type="checkbox"
              id={`${id}-${preset}`}
              checked={allowed.has(preset)}
              aria-invalid={errors.fields.allowedPresets ? true : undefined}
              aria-describedby={errors.fields.allowedPresets ? presetsErrorId : undefined}
              onChange={(event) => {
                const next = new Set(allowed);
                if (event.target.checked) next.add(preset);
                else next.delete(preset);
                setAllowed(next);
              }}
            />
            <label htmlFor={`${id}-${preset}`}>{presetLabels[preset]}</label>
            <p className="hint choice-hint">{presetDescriptions[preset]}</p>
          </div>
        ))}
        <p className="hint">All ticked: every preset, including any added later.</p>
        <FieldError id={presetsErrorId} message={errors.fields.allowedPresets} />
      </fieldset>
      <Field
        label="Deactivate unused tokens after (days)"
        error={errors.fields.deactivateAfterDays}
        hint="From 30 to 730 days; empty to never deactivate. Never-used tokens count from their creation; reactivating is one switch."
      >
        {(control) => (
          <input
            {...control}
            type="number"
            inputMode="numeric"
            min={30}
            step={1}
            className="input-short"
            value={deactivateAfter}
            onChange={(event) => setDeactivateAfter(event.target.value)}
          />
        )}
      </Field>
      <div className="field">
        <div className="choice">
          <input
            type="checkbox"
            id={`${id}-reminders`}
            checked={reminders}
            onChange={(event) => setReminders(event.target.checked)}
          />
          <label htmlFor={`${id}-reminders`}>Expiry reminders</label>
          <p className="hint choice-hint">
            A daily mail to the owners and admins lists the organization’s tokens about to expire.
          </p>
        </div>
        <FieldError message={errors.fields.expiryReminders} />
      </div>
      <button type="submit" className="button button-primary" aria-disabled={save.isPending || undefined}>
        Save policy
      </button>
      {saved ? (
        <StatusMessage>
          The policy is saved. Tokens created from now on must respect it; the inventory marks existing ones
          that break it.
        </StatusMessage>
      ) : null}
    </form>
  );
}
