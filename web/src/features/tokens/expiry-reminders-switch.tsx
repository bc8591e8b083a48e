import { useId, useState } from 'react';
import { ErrorAlert } from '../../components/messages';
import { Switch } from '../../components/switch';
import { toApiError } from '../../lib/graphql';
import { useUpdateToken } from './tokens.mutations';
import type { TokenDetail } from './tokens.operations';

/**
 * Whether this token appears in its owner's daily expiry-reminder mail (7 days and 1 day ahead by
 * default); the account's own reminders setting must be on too.
 */
export function ExpiryRemindersSwitch({ token }: { token: TokenDetail }) {
  const hintId = useId();
  const [error, setError] = useState<string | null>(null);
  const update = useUpdateToken();
  const checked = update.isPending ? update.variables.input.expiryReminders === true : token.expiryReminders;

  const toggle = () => {
    if (update.isPending) return;
    setError(null);
    update.mutate(
      { id: token.id, input: { expiryReminders: !token.expiryReminders } },
      { onError: (failure) => setError(`Could not change the reminders: ${toApiError(failure).message}`) },
    );
  };

  return (
    <div className="status-control">
      <Switch
        label="Expiry reminders"
        checked={checked}
        describedBy={hintId}
        busy={update.isPending}
        visibleLabel
        onToggle={toggle}
      />
      <p id={hintId} className="hint">
        {token.expiresAt
          ? 'Keyward mails you a week and a day before this token expires, with a link to rotate it (when reminders are on for your account too).'
          : 'This token never expires, so there is nothing to remind you of.'}
      </p>
      <ErrorAlert message={error} />
    </div>
  );
}
