import { type FormEvent, useRef, useState } from 'react';
import { Field, useFocusFirstError } from '../../components/field';
import { ErrorAlert } from '../../components/messages';
import { type FormErrors, noErrors, requireFilled, toFormErrors } from '../../lib/form-errors';
import { toApiError } from '../../lib/graphql';
import { printable } from '../../lib/printable';
import { useOrganization } from './organization-layout';
import { assignableRoles, roleDescriptions, roleLabels } from './organization-roles';
import { useAddMember } from './organizations.mutations';
import type { OrganizationRole } from './organizations.operations';

type MemberField = 'email' | 'role';

/**
 * Adds an existing account by email, with a role (owners and admins; only owners offer Owner).
 * An unknown email or an existing member is the server's answer, shown on the Email field.
 */
export function AddMemberForm({ onAdded }: { onAdded: (message: string) => void }) {
  const organization = useOrganization();
  const roles = assignableRoles(organization.viewerRole);
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<OrganizationRole>('MEMBER');
  const [errors, setErrors] = useState<FormErrors<MemberField>>(noErrors);
  const formRef = useRef<HTMLFormElement>(null);
  useFocusFirstError(formRef, errors);
  const add = useAddMember();

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (add.isPending) return;
    const found = requireFilled({ email: email.trim() }, { email: 'Enter the email of the account to add.' });
    setErrors(found);
    if (found.fields.email) return;
    add.mutate(
      { organizationId: organization.id, email: email.trim(), role },
      {
        onSuccess: ({ addOrganizationMember: member }) => {
          setEmail('');
          setRole('MEMBER');
          onAdded(`Added ${printable(member.account.email)} as ${roleLabels[member.role].toLowerCase()}.`);
        },
        onError: (failure) => setErrors(toFormErrors(toApiError(failure), ['email', 'role'])),
      },
    );
  };

  return (
    <section className="card" aria-labelledby="add-member-title">
      <h3 id="add-member-title">Add member</h3>
      <form ref={formRef} onSubmit={submit} noValidate className="add-member-form">
        <ErrorAlert message={errors.form} />
        <div className="add-member-fields">
          <Field
            label="Email"
            error={errors.fields.email}
            hint="The email of an account on this server: they need to register first."
            className="add-member-email"
          >
            {(control) => (
              <input
                {...control}
                type="email"
                required
                autoComplete="off"
                value={email}
                onChange={(event) => setEmail(event.target.value)}
              />
            )}
          </Field>
          <Field label="Role" error={errors.fields.role} hint={roleDescriptions[role]}>
            {(control) => (
              <select
                {...control}
                value={role}
                onChange={(event) => setRole(event.target.value as OrganizationRole)}
              >
                {roles.map((option) => (
                  <option key={option} value={option}>
                    {roleLabels[option]}
                  </option>
                ))}
              </select>
            )}
          </Field>
        </div>
        <button type="submit" className="button button-primary" aria-disabled={add.isPending || undefined}>
          Add member
        </button>
      </form>
    </section>
  );
}
