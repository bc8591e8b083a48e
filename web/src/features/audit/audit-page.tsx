import { useQuery } from '@tanstack/react-query';
import { useNavigate, useSearch } from '@tanstack/react-router';
import { useRef } from 'react';
import { Field } from '../../components/field';
import { useDocumentTitle } from '../../lib/navigation';
import { printable } from '../../lib/printable';
import { type TokenChoice, tokenChoicesQuery } from './audit.operations';
import { actionFilterLabel, actionGroups, actionLabels } from './audit-labels';
import { AuditList } from './audit-list';

type AuditSearch = { action?: string | undefined; token?: string | undefined };

export function AuditPage() {
  useDocumentTitle('Audit log');
  const { action, token } = useSearch({ from: '/audit' });
  const navigate = useNavigate({ from: '/audit' });
  const eventRef = useRef<HTMLSelectElement>(null);
  const tokens = useQuery(tokenChoicesQuery);
  const filtered = Boolean(action || token);
  const setFilter = (change: AuditSearch) =>
    void navigate({ search: (previous) => ({ ...previous, ...change }), resetScroll: false });
  const clear = () => {
    setFilter({ action: undefined, token: undefined });
    // The Clear button goes away with the filters: keep the keyboard in the filters.
    eventRef.current?.focus();
  };
  const tokenName = token ? tokenLabel(tokens.data?.find((choice) => choice.id === token)) : null;
  const summary = [action ? actionFilterLabel(action) : null, tokenName].filter(Boolean).join(' · ');

  return (
    <>
      <div className="page-head">
        <h1>Audit log</h1>
      </div>
      <p className="lead">
        Everything that happened to your tokens and account, newest first: sign-ins (failed ones too),
        password and account changes, and token changes, with who did it, when and from where.
      </p>
      <search className="filters" aria-label="Filter events">
        <Field label="Event" className="filter">
          {(control) => (
            <select
              {...control}
              ref={eventRef}
              value={action ?? ''}
              onChange={(event) => setFilter({ action: event.target.value || undefined })}
            >
              <option value="">All events</option>
              {actionGroups.map((group) => (
                <optgroup key={group.resource} label={group.label}>
                  <option value={`${group.resource}.*`}>{group.all}</option>
                  {Object.entries(actionLabels)
                    .filter(([name]) => name.startsWith(`${group.resource}.`))
                    .map(([name, label]) => (
                      <option key={name} value={name}>
                        {label}
                      </option>
                    ))}
                </optgroup>
              ))}
              {action && actionFilterLabel(action) === action ? (
                <option value={action}>{action}</option>
              ) : null}
            </select>
          )}
        </Field>
        <Field label="Token" className="filter">
          {(control) => (
            <select
              {...control}
              value={token ?? ''}
              aria-busy={tokens.isPending || undefined}
              onChange={(event) => setFilter({ token: event.target.value || undefined })}
            >
              <option value="">All tokens</option>
              {(tokens.data ?? []).map((choice) => (
                <option key={choice.id} value={choice.id}>
                  {tokenLabel(choice)}
                </option>
              ))}
              {token && !tokens.data?.some((choice) => choice.id === token) ? (
                <option value={token}>
                  {tokens.isPending ? 'Loading tokens…' : 'A token not in your list'}
                </option>
              ) : null}
            </select>
          )}
        </Field>
        {filtered ? (
          <button type="button" className="button filter-clear" onClick={clear}>
            Clear filters
          </button>
        ) : null}
      </search>
      <p className="filter-summary muted" role="status">
        {filtered ? `Showing: ${summary}` : ''}
      </p>
      <AuditList
        tokenId={token}
        action={action}
        caption="Audit events, newest first"
        emptyText={filtered ? 'No events match these filters.' : 'Nothing has happened yet.'}
      />
    </>
  );
}

/** `Deploy bot (kw_4Jf0a1b2…)`, and `, revoked` for a revoked token (its history stays). */
function tokenLabel(choice: TokenChoice | undefined): string | null {
  if (!choice) return null;
  const revoked = choice.status === 'REVOKED' ? ', revoked' : '';
  return `${printable(choice.name)} (${choice.displayPrefix}…${revoked})`;
}
