import { Dialog } from '../../components/dialog';
import { ErrorAlert } from '../../components/messages';
import { useRevokeToken } from './tokens.mutations';
import type { TokenDetail } from './tokens.operations';

type DeleteTokenDialogProps = {
  token: TokenDetail;
  onCancel: () => void;
  onDeleted: () => void;
};

/** Confirms a revoke, naming the token; Cancel has focus first so Enter never deletes by accident. */
export function DeleteTokenDialog({ token, onCancel, onDeleted }: DeleteTokenDialogProps) {
  const revoke = useRevokeToken();
  const confirm = () => {
    if (!revoke.isPending) revoke.mutate(token.id, { onSuccess: onDeleted });
  };

  return (
    <Dialog title={`Delete token “${token.name}”?`} onDismiss={onCancel}>
      <p>
        The token <strong>{token.name}</strong> (<code>{token.displayPrefix}…</code>) will stop working on its
        next request, everywhere. Anything that uses it, such as scripts, CI jobs or the CLI, will be refused.
        This can't be undone.
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
