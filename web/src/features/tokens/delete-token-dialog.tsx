import { useState } from 'react';
import { Dialog } from '../../components/dialog';
import { ErrorAlert } from '../../components/messages';
import { request, toApiError } from '../../lib/graphql';
import { revokeTokenMutation, type TokenDetail } from './tokens.operations';

type DeleteTokenDialogProps = {
  token: TokenDetail;
  onCancel: () => void;
  onDeleted: (token: TokenDetail) => void;
};

/** Confirms a revoke, naming the token; Cancel has focus first so Enter never deletes by accident. */
export function DeleteTokenDialog({ token, onCancel, onDeleted }: DeleteTokenDialogProps) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const confirm = async () => {
    if (busy) return;
    setBusy(true);
    setError(null);
    try {
      const { revokeToken } = await request(revokeTokenMutation, { id: token.id });
      onDeleted(revokeToken);
    } catch (failure) {
      setError(toApiError(failure).message);
      setBusy(false);
    }
  };

  return (
    <Dialog title={`Delete token “${token.name}”?`} onDismiss={onCancel}>
      <p>
        The token <strong>{token.name}</strong> (<code>{token.displayPrefix}…</code>) will stop working on its
        next request, everywhere. Anything that uses it, such as scripts, CI jobs or the CLI, will be refused.
        This can't be undone.
      </p>
      <ErrorAlert message={error} />
      <div className="dialog-actions">
        <button type="button" className="button" onClick={onCancel}>
          Cancel
        </button>
        <button type="button" className="button button-danger" onClick={confirm} aria-busy={busy}>
          Delete token
        </button>
      </div>
    </Dialog>
  );
}
