import { type FormEvent, useEffect, useId, useRef, useState } from 'react';
import { Dialog } from '../../components/dialog';
import { FieldError } from '../../components/field';
import { toApiError } from '../../lib/graphql';
import { printable } from '../../lib/printable';
import { useOrganization } from './organization-layout';
import { assignableRoles, roleDescriptions, roleLabels } from './organization-roles';
import { useSetMemberRole } from './organizations.mutations';
import type { Member, OrganizationRole } from './organizations.operations';

type MemberRoleDialogProps = {
  member: Member;
  self: boolean;
  onCancel: () => void;
  onSaved: (message: string) => void;
};

/**
 * The roles as radios, each with what it allows. A refusal (the last owner, a role the viewer may
 * not give) is shown under the choices it is about; nothing changes then.
 */
export function MemberRoleDialog({ member, self, onCancel, onSaved }: MemberRoleDialogProps) {
  const organization = useOrganization();
  const name = useId();
  const errorId = `${name}-error`;
  const [role, setRole] = useState<OrganizationRole>(member.role);
  const save = useSetMemberRole();
  const email = printable(member.account.email);
  // Only owners give or take Owner; an admin still sees an owner's role as it is.
  const roles = assignableRoles(organization.viewerRole);
  const error = save.error ? toApiError(save.error).message : undefined;
  const fieldsetRef = useRef<HTMLFieldSetElement>(null);
  // A refusal is read out from the chosen role, where the keyboard is taken back to.
  useEffect(() => {
    if (error) fieldsetRef.current?.querySelector<HTMLInputElement>('input:checked')?.focus();
  }, [error]);

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (save.isPending) return;
    if (role === member.role) {
      onCancel();
      return;
    }
    save.mutate(
      { organizationId: organization.id, accountId: member.account.id, role },
      {
        onSuccess: ({ setOrganizationMemberRole: changed }) =>
          onSaved(
            self
              ? `You are now ${roleLabels[changed.role].toLowerCase()} of ${printable(organization.name)}.`
              : `${email} is now ${roleLabels[changed.role].toLowerCase()}.`,
          ),
      },
    );
  };

  return (
    <Dialog title={self ? 'Change your role' : `Change the role of ${email}`} onDismiss={onCancel}>
      <form onSubmit={submit} noValidate>
        <fieldset className="fieldset" ref={fieldsetRef}>
          <legend>Role</legend>
          {roles.map((option) => (
            <div className="choice" key={option}>
              <input
                type="radio"
                id={`${name}-${option}`}
                name={name}
                checked={role === option}
                aria-invalid={error ? true : undefined}
                aria-describedby={error ? errorId : undefined}
                onChange={() => {
                  setRole(option);
                  save.reset();
                }}
              />
              <label htmlFor={`${name}-${option}`}>{roleLabels[option]}</label>
              <p className="hint choice-hint">{roleDescriptions[option]}</p>
            </div>
          ))}
          <FieldError id={errorId} message={error} />
        </fieldset>
        <div className="dialog-actions">
          <button type="button" className="button" onClick={onCancel}>
            Cancel
          </button>
          <button type="submit" className="button button-primary" aria-disabled={save.isPending || undefined}>
            Save role
          </button>
        </div>
      </form>
    </Dialog>
  );
}
