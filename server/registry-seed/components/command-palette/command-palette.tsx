import { type KeyboardEvent, useEffect, useId, useMemo, useRef, useState } from 'react';
import './command-palette.css';

export interface Command {
  id: string;
  label: string;
  group?: string;
  /** Extra words that should match, e.g. synonyms. */
  keywords?: string[];
  /** A shortcut hint shown on the right, e.g. "G then T". */
  hint?: string;
  run: () => void;
}

export interface CommandPaletteProps {
  commands: readonly Command[];
  placeholder?: string;
  /** Open and close with Cmd+K / Ctrl+K (default true). */
  hotkey?: boolean;
  /** When set, renders a button with this label that opens the palette. */
  triggerLabel?: string;
}

/** Subsequence match: every query character appears in order. Lower scores rank higher. */
export function fuzzyScore(text: string, query: string): number | null {
  const haystack = text.toLowerCase();
  let score = 0;
  let from = 0;
  for (const character of query.toLowerCase()) {
    if (character === ' ') continue;
    const at = haystack.indexOf(character, from);
    if (at === -1) return null;
    score += at - from;
    from = at + 1;
  }
  return score;
}

export function CommandPalette({
  commands,
  placeholder = 'Type a command…',
  hotkey = true,
  triggerLabel,
}: CommandPaletteProps) {
  const dialogRef = useRef<HTMLDialogElement>(null);
  const inputRef = useRef<HTMLInputElement>(null);
  const listId = useId();
  const [query, setQuery] = useState('');
  const [active, setActive] = useState(0);

  const results = useMemo(() => {
    if (!query.trim()) return [...commands];
    return commands
      .map((command) => {
        const scores = [command.label, ...(command.keywords ?? [])]
          .map((text) => fuzzyScore(text, query))
          .filter((score): score is number => score !== null);
        return { command, score: scores.length ? Math.min(...scores) : null };
      })
      .filter((entry): entry is { command: Command; score: number } => entry.score !== null)
      .sort((a, b) => a.score - b.score)
      .map((entry) => entry.command);
  }, [commands, query]);

  const open = () => {
    setQuery('');
    setActive(0);
    dialogRef.current?.showModal();
    inputRef.current?.focus();
  };
  const close = () => dialogRef.current?.close();

  useEffect(() => {
    if (!hotkey) return;
    const onKey = (event: globalThis.KeyboardEvent) => {
      if ((event.metaKey || event.ctrlKey) && event.key.toLowerCase() === 'k') {
        event.preventDefault();
        if (dialogRef.current?.open) close();
        else open();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  });

  const runCommand = (command: Command | undefined) => {
    if (!command) return;
    close();
    command.run();
  };

  const onInputKey = (event: KeyboardEvent<HTMLInputElement>) => {
    if (event.key === 'ArrowDown') {
      event.preventDefault();
      setActive((index) => (results.length ? (index + 1) % results.length : 0));
    } else if (event.key === 'ArrowUp') {
      event.preventDefault();
      setActive((index) => (results.length ? (index - 1 + results.length) % results.length : 0));
    } else if (event.key === 'Enter') {
      event.preventDefault();
      runCommand(results[active]);
    }
  };

  const optionId = (index: number) => `${listId}-option-${index}`;

  return (
    <>
      {triggerLabel && (
        <button
          type="button"
          className="kw-palette__trigger"
          onClick={open}
          aria-keyshortcuts="Control+K Meta+K"
        >
          {triggerLabel}
        </button>
      )}
      <dialog ref={dialogRef} className="kw-palette" aria-label="Command palette">
        <input
          ref={inputRef}
          className="kw-palette__input"
          role="combobox"
          aria-expanded="true"
          aria-controls={listId}
          aria-activedescendant={results.length ? optionId(active) : undefined}
          aria-autocomplete="list"
          placeholder={placeholder}
          value={query}
          onChange={(event) => {
            setQuery(event.target.value);
            setActive(0);
          }}
          onKeyDown={onInputKey}
        />
        <div id={listId} role="listbox" aria-label="Commands" className="kw-palette__list">
          {results.length === 0 && <p className="kw-palette__empty">No matching commands.</p>}
          {results.map((command, index) => (
            <div
              key={command.id}
              id={optionId(index)}
              role="option"
              tabIndex={-1}
              aria-selected={index === active}
              className="kw-palette__option"
              onMouseMove={() => setActive(index)}
              onClick={() => runCommand(command)}
              onKeyDown={(event) => {
                if (event.key === 'Enter') runCommand(command);
              }}
            >
              {command.group && <span className="kw-palette__group">{command.group}</span>}
              <span className="kw-palette__label">{command.label}</span>
              {command.hint && <kbd className="kw-palette__hint">{command.hint}</kbd>}
            </div>
          ))}
        </div>
      </dialog>
    </>
  );
}
