import { type FormEvent, useId, useState } from 'react';
import { ErrorAlert, StatusMessage } from '../../components/messages';
import { request, toApiError } from '../../lib/graphql';
import { canToggle } from './permissions';
import { setTokenActiveMutation, type TokenDetail } from './tokens.operations';

type TokenStatusFormProps = { token: TokenDetail; onSaved: (token: TokenDetail) => void };

/** Active / Inactive radios with Save; revoked and expired tokens are final. */
export function TokenStatusForm({ token, onSaved }: TokenStatusFormProps) {
  const name = useId();
  const [active, setActive] = useState(token.active);
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const editable = canToggle(token.status);

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (busy || !editable) return;
    setBusy(true);
    setMessage(null);
    setError(null);
    try {
      const { setTokenActive } = await request(setTokenActiveMutation, { id: token.id, active });
      onSaved(setTokenActive);
      setMessage(setTokenActive.active ? 'Saved: the token is active.' : 'Saved: the token is inactive.');
    } catch (failure) {
      setError(toApiError(failure).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form onSubmit={submit} className="status-form">
      <fieldset className="fieldset" disabled={!editable}>
        <legend>Status</legend>
        <div className="choice">
          <input
            type="radio"
            id={`${name}-active`}
            name={name}
            checked={editable && active}
            onChange={() => setActive(true)}
          />
          <label htmlFor={`${name}-active`}>Active</label>
        </div>
        <div className="choice">
          <input
            type="radio"
            id={`${name}-inactive`}
            name={name}
            checked={editable && !active}
            onChange={() => setActive(false)}
          />
          <label htmlFor={`${name}-inactive`}>Inactive</label>
        </div>
        <p className="hint">
          {editable
            ? 'An inactive token is refused until you make it active again. Changes apply to the next request.'
            : `This token is ${token.status === 'REVOKED' ? 'revoked' : 'expired'} and can't be used again.`}
        </p>
      </fieldset>
      <button type="submit" className="button button-primary" disabled={!editable} aria-busy={busy}>
        Save
      </button>
      {message ? <StatusMessage>{message}</StatusMessage> : null}
      <ErrorAlert message={error} />
    </form>
  );
}
