import { useState } from 'react';
import { request, toApiError } from '../../lib/graphql';
import { canToggle } from './permissions';
import { setTokenActiveMutation, type TokenSummary } from './tokens.operations';

type ActiveSwitchProps = {
  token: TokenSummary;
  /** Id of the element naming the token, so "Active" is announced with its row. */
  describedBy: string;
  onUpdated: (token: TokenSummary) => void;
  onError: (message: string | null) => void;
};

/** Deactivates or reactivates a token at once; revoked and expired tokens can't be switched. */
export function ActiveSwitch({ token, describedBy, onUpdated, onError }: ActiveSwitchProps) {
  const [pending, setPending] = useState<boolean | null>(null);
  const toggleable = canToggle(token.status);
  const checked = pending ?? (toggleable && token.active);

  const toggle = async () => {
    if (!toggleable || pending !== null) return;
    const next = !token.active;
    setPending(next);
    onError(null);
    try {
      const { setTokenActive } = await request(setTokenActiveMutation, { id: token.id, active: next });
      onUpdated(setTokenActive);
    } catch (failure) {
      onError(`Could not update “${token.name}”: ${toApiError(failure).message}`);
    } finally {
      setPending(null);
    }
  };

  return (
    <button
      type="button"
      role="switch"
      className="switch"
      aria-checked={checked}
      aria-label="Active"
      aria-describedby={describedBy}
      aria-busy={pending !== null || undefined}
      disabled={!toggleable}
      onClick={toggle}
    >
      <span className="switch-track" aria-hidden="true">
        <span className="switch-thumb" />
      </span>
    </button>
  );
}
