import { Dialog } from '../../components/dialog';
import { ErrorAlert } from '../../components/messages';
import { printable } from '../../lib/printable';
import { useRevokeToken } from './tokens.mutations';
import type { TokenSummary } from './tokens.operations';

type DeleteTokenDialogProps = {
  token: Pick<TokenSummary, 'id' | 'name' | 'displayPrefix'>;
  onCancel: () => void;
  onDeleted: () => void;
};

/**
 * Confirms a delete, naming the token, from the list and the detail page alike. Deleting revokes:
 * the token stops working for good and stays listed as Revoked. Cancel has focus first so Enter
 * never deletes by accident.
 */
export function DeleteTokenDialog({ token, onCancel, onDeleted }: DeleteTokenDialogProps) {
  const revoke = useRevokeToken();
  const confirm = () => {
    if (!revoke.isPending) revoke.mutate(token.id, { onSuccess: onDeleted });
  };

  return (
    <Dialog title={`Delete token “${printable(token.name)}”?`} onDismiss={onCancel}>
      <p>
        Deleting revokes the token <strong>{printable(token.name)}</strong> (
        <code>{token.displayPrefix}…</code>) for good: it stops working on its next request, everywhere, and
        anything that uses it, such as scripts, CI jobs or the CLI, will be refused. This can't be undone.
      </p>
      <p>
        The token stays in your list, marked <strong>Revoked</strong>, with its history, so you can still see
        what it did.
      </p>
      <ErrorAlert message={revoke.error?.message} />
      <div className="dialog-actions">
        <button type="button" className="button" onClick={onCancel}>
          Cancel
        </button>
        <button type="button" className="button button-danger" onClick={confirm} aria-busy={revoke.isPending}>
          Delete token
        </button>
      </div>
    </Dialog>
  );
}
