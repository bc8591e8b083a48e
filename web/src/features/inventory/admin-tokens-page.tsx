import { useInfiniteQuery } from '@tanstack/react-query';
import { type FormEvent, useId, useRef, useState } from 'react';
import { Field } from '../../components/field';
import { LoadMoreButton } from '../../components/load-more';
import { ErrorAlert, StatusMessage } from '../../components/messages';
import { PageSkeleton } from '../../components/skeleton';
import { useDocumentTitle } from '../../lib/navigation';
import { useSignedInViewer } from '../../lib/viewer';
import { presetLabels, statusLabel } from '../tokens/token-labels';
import { filterStatuses } from '../tokens/token-list-search';
import { type AdminTokenSearch, adminPresets, adminTokenFilter } from './admin-token-search';
import { adminTokensQuery, type InventoryToken } from './inventory.operations';
import { InventoryTable } from './inventory-table';
import { RevokeInventoryTokenDialog } from './revoke-inventory-token-dialog';
import './inventory.css';

type AdminTokensPageProps = {
  search: AdminTokenSearch;
  onSearchChange: (search: AdminTokenSearch) => void;
};

/** Every token on the server, filtered from the URL; site admins revoke any of them. */
export function AdminTokensPage({ search, onSearchChange }: AdminTokensPageProps) {
  useDocumentTitle('Token inventory');
  const viewer = useSignedInViewer();
  if (viewer.role !== 'admin') {
    return (
      <>
        <h1>Token inventory</h1>
        <p className="alert alert-warning">Only site admins see every token on the server.</p>
      </>
    );
  }
  return <AdminInventory search={search} onSearchChange={onSearchChange} />;
}

function AdminInventory({ search, onSearchChange }: AdminTokensPageProps) {
  const filter = adminTokenFilter(search);
  const query = useInfiniteQuery(adminTokensQuery(filter));
  const tokens = query.data?.pages.flatMap((page) => page.edges.map((edge) => edge.node)) ?? [];
  const [revoking, setRevoking] = useState<InventoryToken | null>(null);
  const [revoked, setRevoked] = useState<string | null>(null);
  const headingRef = useRef<HTMLHeadingElement>(null);
  const filtered = Object.keys(search).length > 0;

  return (
    <>
      <div className="page-head">
        <h1 ref={headingRef} tabIndex={-1}>
          Token inventory
        </h1>
      </div>
      <p className="lead">
        Every token on this server, personal and organization tokens alike. As a site admin you can revoke any
        of them; the audit log records you as the one who did.
      </p>
      {/* The form starts again from the URL whenever the URL changes (Back, a shared link). */}
      <AdminTokenFilters key={JSON.stringify(search)} search={search} onApply={onSearchChange} />
      <p className="filter-summary muted" role="status">
        {query.isSuccess && !query.isPlaceholderData
          ? `${tokens.length}${query.hasNextPage ? '+' : ''} ${tokens.length === 1 ? 'token' : 'tokens'}${filtered ? ' match these filters' : ''}.`
          : ''}
      </p>
      {revoked ? <StatusMessage>{revoked}</StatusMessage> : null}
      <ErrorAlert message={query.error?.message} />
      {query.isPending ? <PageSkeleton label="Loading tokens…" /> : null}
      {tokens.length > 0 ? (
        <div aria-busy={query.isPlaceholderData || undefined} className="token-results">
          <InventoryTable
            caption="Every token on the server"
            tokens={tokens}
            onRevoke={(token) => {
              setRevoked(null);
              setRevoking(token);
            }}
          />
          {query.hasNextPage ? (
            <LoadMoreButton onClick={() => query.fetchNextPage()} loading={query.isFetchingNextPage} />
          ) : null}
        </div>
      ) : null}
      {revoking ? (
        <RevokeInventoryTokenDialog
          token={revoking}
          as="admin"
          onCancel={() => setRevoking(null)}
          onRevoked={(message) => {
            setRevoking(null);
            setRevoked(message);
            window.setTimeout(() => headingRef.current?.focus(), 0);
          }}
        />
      ) : null}
    </>
  );
}

type AdminTokenFiltersProps = { search: AdminTokenSearch; onApply: (search: AdminTokenSearch) => void };

/** The filters as one form: Apply writes them to the URL, Clear empties it. */
function AdminTokenFilters({ search, onApply }: AdminTokenFiltersProps) {
  const id = useId();
  const [draft, setDraft] = useState<AdminTokenSearch>(search);
  const set = (change: Partial<AdminTokenSearch>) => setDraft((current) => ({ ...current, ...change }));
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const next: AdminTokenSearch = {};
    for (const [key, value] of Object.entries(draft) as [keyof AdminTokenSearch, string | undefined][]) {
      const trimmed = value?.trim();
      if (trimmed) (next as Record<string, string>)[key] = trimmed;
    }
    onApply(next);
  };

  return (
    <search aria-label="Filter tokens">
      <form onSubmit={submit} noValidate className="card">
        <div className="admin-filters">
          <Field label="Owner email">
            {(control) => (
              <input
                {...control}
                type="email"
                autoComplete="off"
                value={draft.owner ?? ''}
                onChange={(event) => set({ owner: event.target.value })}
              />
            )}
          </Field>
          <Field label="Organization slug">
            {(control) => (
              <input
                {...control}
                autoComplete="off"
                autoCapitalize="none"
                spellCheck={false}
                value={draft.org ?? ''}
                onChange={(event) => set({ org: event.target.value })}
              />
            )}
          </Field>
          <Field label="Status">
            {(control) => (
              <select
                {...control}
                value={draft.status ?? ''}
                onChange={(event) => set({ status: event.target.value })}
              >
                <option value="">Any status</option>
                {filterStatuses.map((status) => (
                  <option key={status} value={status.toLowerCase()}>
                    {statusLabel(status)}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field label="Preset">
            {(control) => (
              <select
                {...control}
                value={draft.preset ?? ''}
                onChange={(event) => set({ preset: event.target.value })}
              >
                <option value="">Any preset</option>
                {adminPresets.map((preset) => (
                  <option key={preset} value={preset.toLowerCase()}>
                    {presetLabels[preset]}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field label="Last used before">
            {(control) => (
              <input
                {...control}
                type="date"
                value={draft.lastUsedBefore ?? ''}
                onChange={(event) => set({ lastUsedBefore: event.target.value })}
              />
            )}
          </Field>
          <Field label="Expires before">
            {(control) => (
              <input
                {...control}
                type="date"
                value={draft.expiresBefore ?? ''}
                onChange={(event) => set({ expiresBefore: event.target.value })}
              />
            )}
          </Field>
          <div className="choice">
            <input
              type="checkbox"
              id={`${id}-policy`}
              checked={draft.outOfPolicy === '1'}
              onChange={(event) => set({ outOfPolicy: event.target.checked ? '1' : undefined })}
            />
            <label htmlFor={`${id}-policy`}>Out of policy only</label>
          </div>
        </div>
        <div className="button-row">
          <button type="submit" className="button button-primary">
            Apply filters
          </button>
          {Object.keys(search).length > 0 ? (
            <button type="button" className="button" onClick={() => onApply({})}>
              Clear filters
            </button>
          ) : null}
        </div>
      </form>
    </search>
  );
}
