import { toApiError } from '../../lib/graphql';
import { canToggle } from './token-labels';
import { useSetTokenActive } from './tokens.mutations';
import type { TokenSummary } from './tokens.operations';

type ActiveSwitchProps = {
  token: TokenSummary;
  /** Id of the element naming the token, so "Active" is announced with its row. */
  describedBy: string;
  onError: (message: string | null) => void;
};

/** Deactivates or reactivates a token at once; revoked and expired tokens can't be switched. */
export function ActiveSwitch({ token, describedBy, onError }: ActiveSwitchProps) {
  const setActive = useSetTokenActive();
  const toggleable = canToggle(token.status);
  const checked = setActive.isPending ? setActive.variables.active : toggleable && token.active;

  const toggle = () => {
    if (!toggleable || setActive.isPending) return;
    onError(null);
    setActive.mutate(
      { id: token.id, active: !token.active },
      { onError: (failure) => onError(`Could not update “${token.name}”: ${toApiError(failure).message}`) },
    );
  };

  return (
    <button
      type="button"
      role="switch"
      className="switch"
      aria-checked={checked}
      aria-label="Active"
      aria-describedby={describedBy}
      aria-busy={setActive.isPending || undefined}
      disabled={!toggleable}
      onClick={toggle}
    >
      <span className="switch-track" aria-hidden="true">
        <span className="switch-thumb" />
      </span>
    </button>
  );
}
