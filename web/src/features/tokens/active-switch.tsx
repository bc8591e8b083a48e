import { toApiError } from '../../lib/graphql';
import { canToggle } from './token-labels';
import { useSetTokenActive } from './tokens.mutations';
import type { TokenSummary } from './tokens.operations';

type ActiveSwitchProps = {
  token: Pick<TokenSummary, 'id' | 'name' | 'status' | 'active'>;
  /** Id of the element naming the token, so "Active" is announced with its row. */
  describedBy: string;
  onError: (message: string | null) => void;
  /** Shows "Active" beside the switch (the detail page); the list's column header says it there. */
  visibleLabel?: boolean;
};

/**
 * The token's one status control, in the list and on the detail page: deactivates or reactivates
 * it at once. Revoked and expired tokens (and statuses this build does not know) can't be switched.
 */
export function ActiveSwitch({ token, describedBy, onError, visibleLabel = false }: ActiveSwitchProps) {
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
      {visibleLabel ? (
        <span className="switch-label" aria-hidden="true">
          Active
        </span>
      ) : null}
    </button>
  );
}
