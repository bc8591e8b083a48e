import { type FormEvent, useId, useState } from 'react';
import { ErrorAlert, StatusMessage } from '../../components/messages';
import { canToggle } from './token-labels';
import { useSetTokenActive } from './tokens.mutations';
import type { TokenDetail } from './tokens.operations';

/** Active / Inactive radios with Save; revoked and expired tokens are final. */
export function TokenStatusForm({ token }: { token: TokenDetail }) {
  const name = useId();
  const [active, setActive] = useState(token.active);
  const save = useSetTokenActive();
  const editable = canToggle(token.status);

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (save.isPending || !editable) return;
    save.mutate({ id: token.id, active });
  };
  const saved = save.data?.setTokenActive;
  const message = saved ? `Saved: the token is ${saved.active ? 'active' : 'inactive'}.` : null;

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
      <button type="submit" className="button button-primary" disabled={!editable} aria-busy={save.isPending}>
        Save
      </button>
      {message ? <StatusMessage>{message}</StatusMessage> : null}
      <ErrorAlert message={save.error?.message} />
    </form>
  );
}
