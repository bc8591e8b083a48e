import { Dialog } from '../../components/dialog';
import { ErrorAlert } from '../../components/messages';
import { toApiError } from '../../lib/graphql';
import { printable } from '../../lib/printable';
import { useOrganization } from './organization-layout';
import { useRemoveMember } from './organizations.mutations';
import type { Member } from './organizations.operations';

type RemoveMemberDialogProps = {
  member: Member;
  /** The viewer's own membership: leaving. */
  self: boolean;
  onCancel: () => void;
  onRemoved: (message: string) => void;
};

/**
 * Confirms removing a member, or leaving. Cancel comes first so Enter never removes by accident.
 * The last owner's refusal is the server's, shown here; nothing changes then.
 */
export function RemoveMemberDialog({ member, self, onCancel, onRemoved }: RemoveMemberDialogProps) {
  const organization = useOrganization();
  const remove = useRemoveMember();
  const email = printable(member.account.email);
  const organizationName = printable(organization.name);

  const confirm = () => {
    if (remove.isPending) return;
    remove.mutate(
      {
        input: { organizationId: organization.id, accountId: member.account.id },
        leaving: self ? { name: organization.name } : undefined,
      },
      {
        onSuccess: () => {
          if (!self) onRemoved(`Removed ${email} from ${organizationName}.`);
        },
      },
    );
  };

  return (
    <Dialog
      title={self ? `Leave ${organizationName}?` : `Remove ${email} from ${organizationName}?`}
      onDismiss={onCancel}
    >
      {self ? (
        <p>
          You lose access to <strong>{organizationName}</strong> on your next request: its pages, its tokens,
          and what your personal tokens could reach in it. Only an owner or an admin can add you again.
        </p>
      ) : (
        <p>
          <strong>{email}</strong> loses access to {organizationName} on their next request, everywhere: its
          pages, its tokens, and what their personal tokens could reach in it. The organization’s tokens keep
          working.
        </p>
      )}
      <ErrorAlert message={remove.error ? toApiError(remove.error).message : null} />
      <div className="dialog-actions">
        <button type="button" className="button" onClick={onCancel}>
          Cancel
        </button>
        <button type="button" className="button button-danger" onClick={confirm} aria-busy={remove.isPending}>
          {self ? 'Leave organization' : 'Remove member'}
        </button>
      </div>
    </Dialog>
  );
}
