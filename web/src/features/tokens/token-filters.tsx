import { useCallback, useEffect, useId, useRef, useState } from 'react';
import { statusLabel } from './token-labels';
import {
  filterStatuses,
  selectedStatuses,
  statusParam,
  type TokenListSearch,
  type TokenSort,
  tokenSorts,
} from './token-list-search';

/** Typing pauses this long before the search reaches the URL (and the server). */
const SEARCH_DELAY_MS = 300;

type TokenFiltersProps = {
  search: TokenListSearch;
  onChange: (change: Partial<TokenListSearch>, options?: { replace?: boolean }) => void;
};

/** Status checkboxes (live tokens by default), a search box and the sort order, all kept in the URL. */
export function TokenFilters({ search, onChange }: TokenFiltersProps) {
  const id = useId();
  const statuses = selectedStatuses(search);
  const searched = search.q ?? '';
  const [text, setText] = useState(searched);
  // What this box last put in the URL: any other change came from outside (Back, a link) and wins.
  const sent = useRef(searched);
  useEffect(() => {
    if (searched !== sent.current) {
      sent.current = searched;
      setText(searched);
    }
  }, [searched]);

  const applySearch = useCallback(
    (value: string) => {
      const q = value.trim();
      if (q === sent.current.trim()) return;
      sent.current = q;
      onChange({ q: q || undefined }, { replace: true });
    },
    [onChange],
  );

  useEffect(() => {
    const timer = window.setTimeout(() => applySearch(text), SEARCH_DELAY_MS);
    return () => window.clearTimeout(timer);
  }, [text, applySearch]);

  const toggleStatus = (status: (typeof filterStatuses)[number], checked: boolean) => {
    const next = checked ? [...statuses, status] : statuses.filter((other) => other !== status);
    onChange({ status: statusParam(next) });
  };

  return (
    <div className="token-filters">
      <fieldset className="status-filter">
        <legend>Show</legend>
        {filterStatuses.map((status) => {
          const checked = statuses.includes(status);
          return (
            <div className="choice" key={status}>
              <input
                type="checkbox"
                id={`${id}-${status}`}
                checked={checked}
                // The last ticked status stays ticked: an empty filter would show nothing.
                disabled={checked && statuses.length === 1}
                onChange={(event) => toggleStatus(status, event.target.checked)}
              />
              <label htmlFor={`${id}-${status}`}>{statusLabel(status)}</label>
            </div>
          );
        })}
      </fieldset>
      <div className="filter-field">
        <label htmlFor={`${id}-search`}>Search tokens</label>
        <input
          id={`${id}-search`}
          type="search"
          placeholder="Name or prefix"
          autoComplete="off"
          maxLength={100}
          value={text}
          onChange={(event) => setText(event.target.value)}
          onKeyDown={(event) => {
            // Enter searches at once, without waiting for the pause.
            if (event.key === 'Enter') applySearch(text);
          }}
        />
      </div>
      <div className="filter-field">
        <label htmlFor={`${id}-sort`}>Sort by</label>
        <select
          id={`${id}-sort`}
          value={search.sort ?? 'created'}
          onChange={(event) => {
            const sort = event.target.value as TokenSort;
            onChange({ sort: sort === 'created' ? undefined : sort });
          }}
        >
          {Object.entries(tokenSorts).map(([value, { label }]) => (
            <option key={value} value={value}>
              {label}
            </option>
          ))}
        </select>
      </div>
    </div>
  );
}
