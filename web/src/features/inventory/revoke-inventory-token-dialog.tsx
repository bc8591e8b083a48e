import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Dialog } from '../../components/dialog';
import { ErrorAlert } from '../../components/messages';
import { request, toApiError } from '../../lib/graphql';
import { printable } from '../../lib/printable';
import { auditKeys } from '../audit/audit.operations';
import { tokenKeys } from '../tokens/tokens.operations';
import {
  adminRevokeTokenMutation,
  type InventoryToken,
  revokeInventoryTokenMutation,
} from './inventory.operations';

type RevokeInventoryTokenDialogProps = {
  token: InventoryToken;
  /** `organization`: an owner or admin of the organization whose inventory lists it; `admin`: a site admin. */
  as: 'organization' | 'admin';
  onCancel: () => void;
  onRevoked: (message: string) => void;
};

/**
 * Confirms revoking someone's token from an inventory, naming the token and whose it is. Cancel has
 * focus first, so Enter never revokes by accident.
 */
export function RevokeInventoryTokenDialog({
  token,
  as,
  onCancel,
  onRevoked,
}: RevokeInventoryTokenDialogProps) {
  const client = useQueryClient();
  const name = printable(token.name);
  const revoke = useMutation({
    mutationFn: async (): Promise<void> => {
      if (as === 'admin') await request(adminRevokeTokenMutation, { id: token.id });
      else await request(revokeInventoryTokenMutation, { id: token.id });
    },
    onSuccess: () => {
      // Every list and inventory that shows it, and the audit history, load again.
      void client.invalidateQueries({ queryKey: tokenKeys.all });
      void client.invalidateQueries({ queryKey: auditKeys.all });
      onRevoked(`Revoked “${name}”: it stops working on its next request.`);
    },
  });
  const owner = token.organization
    ? `the organization ${printable(token.organization.name)}`
    : token.owner
      ? `${printable(token.owner.name)} (${printable(token.owner.email)})`
      : 'a deleted account';

  return (
    <Dialog title={`Revoke token “${name}”?`} onDismiss={onCancel}>
      <p>
        The token <strong>{name}</strong> (<code>{token.displayPrefix}…</code>) of {owner} stops working on
        its next request, everywhere: scripts, CI jobs or the CLI that use it will be refused. This can't be
        undone.
      </p>
      {as === 'organization' && !token.organization ? (
        <p>It is a personal token: its owner is told by mail that you revoked it.</p>
      ) : null}
      <ErrorAlert message={revoke.error ? toApiError(revoke.error).message : null} />
      <div className="dialog-actions">
        <button type="button" className="button" onClick={onCancel}>
          Cancel
        </button>
        <button
          type="button"
          className="button button-danger"
          aria-busy={revoke.isPending}
          onClick={() => {
            if (!revoke.isPending) revoke.mutate();
          }}
        >
          Revoke token
        </button>
      </div>
    </Dialog>
  );
}
