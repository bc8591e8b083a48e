import { type MouseEvent, useId, useState } from 'react';
import { Dialog } from '../../components/dialog';
import { Field } from '../../components/field';

type RevealTokenDialogProps = { name: string; secret: string; onClose: () => void };

type CopyState = 'idle' | 'copied' | 'failed';

/**
 * Shows a new token's secret once. It stays open (Escape included) until the user confirms
 * they saved it; the parent then drops the secret from state.
 */
export function RevealTokenDialog({ name, secret, onClose }: RevealTokenDialogProps) {
  const confirmId = useId();
  const snippetId = useId();
  const [confirmed, setConfirmed] = useState(false);
  const [copyState, copy] = useCopy();
  const [snippetCopyState, copySnippet] = useCopy();
  const snippet = usageSnippet(secret, window.location.origin);

  const download = (event: MouseEvent<HTMLButtonElement>) => {
    const url = URL.createObjectURL(new Blob([`${secret}\n`], { type: 'text/plain' }));
    const link = document.createElement('a');
    link.href = url;
    link.download = `${name}.txt`;
    // Inside the dialog: the rest of the page is inert while it is open.
    event.currentTarget.after(link);
    link.click();
    link.remove();
    window.setTimeout(() => URL.revokeObjectURL(url), 1000);
  };

  return (
    <Dialog title="Copy your new token" onDismiss={confirmed ? onClose : undefined} className="dialog-reveal">
      <p>
        Your token <strong>{name}</strong> is ready. Copy it now: Keyward keeps only a fingerprint of it and
        will never show it again.
      </p>
      <Field label="Token secret">
        {(control) => (
          <input
            {...control}
            className="secret"
            readOnly
            spellCheck={false}
            autoComplete="off"
            value={secret}
            onFocus={(event) => event.target.select()}
          />
        )}
      </Field>
      <div className="button-row">
        <button type="button" className="button" onClick={() => copy(secret)}>
          Copy
        </button>
        <button type="button" className="button" onClick={download}>
          Download
        </button>
        <span className="copy-status" aria-live="polite">
          {copyState === 'copied' ? 'Copied to the clipboard.' : null}
          {copyState === 'failed' ? 'Copying failed: select the token above and copy it yourself.' : null}
        </span>
      </div>
      <section className="usage-snippet" aria-labelledby={snippetId}>
        <h3 id={snippetId}>Try it</h3>
        <p className="hint">
          Check the token from a terminal: Keyward answers with the account and token it belongs to.
        </p>
        <pre>
          <code>{snippet}</code>
        </pre>
        <div className="button-row">
          <button type="button" className="button button-small" onClick={() => copySnippet(snippet)}>
            Copy command
          </button>
          <span className="copy-status" aria-live="polite">
            {snippetCopyState === 'copied' ? 'Command copied.' : null}
            {snippetCopyState === 'failed'
              ? 'Copying failed: select the command and copy it yourself.'
              : null}
          </span>
        </div>
      </section>
      <div className="choice confirm-choice">
        <input
          type="checkbox"
          id={confirmId}
          checked={confirmed}
          onChange={(event) => setConfirmed(event.target.checked)}
        />
        <label htmlFor={confirmId}>I have copied my token to a safe place</label>
      </div>
      <div className="dialog-actions">
        <button type="button" className="button button-primary" disabled={!confirmed} onClick={onClose}>
          Close
        </button>
      </div>
    </Dialog>
  );
}

/** The shell command that checks a token (`GET /api/cli/whoami`), for the server the app runs on. */
export const usageSnippet = (secret: string, origin: string): string =>
  `curl -H "Authorization: Bearer ${secret}" ${origin}/api/cli/whoami`;

/** Copies text to the clipboard, remembering whether that worked for the status line. */
function useCopy(): [CopyState, (text: string) => Promise<void>] {
  const [state, setState] = useState<CopyState>('idle');
  const copy = async (text: string) => {
    try {
      if (!navigator.clipboard) throw new Error('Clipboard unavailable');
      await navigator.clipboard.writeText(text);
      setState('copied');
    } catch {
      setState('failed');
    }
  };
  return [state, copy];
}
