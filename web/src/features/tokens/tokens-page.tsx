import { keepPreviousData, useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { useCallback, useRef, useState } from 'react';
import { LoadMoreButton } from '../../components/load-more';
import { ErrorAlert, StatusMessage } from '../../components/messages';
import { PageSkeleton } from '../../components/skeleton';
import { useDocumentTitle } from '../../lib/navigation';
import { printable } from '../../lib/printable';
import { DeleteTokenDialog } from './delete-token-dialog';
import { NewTokenDialog } from './new-token-dialog';
import { RevealTokenDialog } from './reveal-token-dialog';
import { TokenFilters } from './token-filters';
import { listFilter, type TokenListSearch } from './token-list-search';
import { TokenTable } from './token-table';
import { anyTokenQuery, type CreatedToken, type TokenSummary, tokensQuery } from './tokens.operations';
import './tokens.css';

type TokensPageProps = {
  /** An organization's tokens (its owners and admins); the viewer's own without one. */
  organization?: { id: string; slug: string; name: string };
  /** The list's filter, search and sort, from the route's URL. */
  search: TokenListSearch;
  onSearchChange: (change: Partial<TokenListSearch>, options: { replace?: boolean }) => void;
};

/**
 * A token list with its filters, New token, the reveal dialog and Delete: the viewer's own tokens
 * (`/tokens`) or an organization's (`/orgs/<slug>/tokens`, created with its organizationId).
 */
export function TokensPage({ organization, search, onSearchChange }: TokensPageProps) {
  useDocumentTitle(organization ? `Tokens · ${organization.name}` : 'Tokens');
  const scope = organization ? { id: organization.id, slug: organization.slug } : null;
  const filter = listFilter(search);
  // While a new filter or search loads, the previous rows stay (dimmed) instead of a skeleton.
  const query = useInfiniteQuery({ ...tokensQuery(filter, scope), placeholderData: keepPreviousData });
  const tokens = query.data?.pages.flatMap((page) => page.tokens.edges.map((edge) => edge.node)) ?? [];
  // Nothing matches: is that the filter, or are there no tokens at all?
  const anyToken = useQuery({ ...anyTokenQuery(scope), enabled: query.isSuccess && tokens.length === 0 });
  const noTokensAtAll = query.isSuccess && tokens.length === 0 && anyToken.data === false;

  const [creating, setCreating] = useState(false);
  // The only place the secret lives; set back to null when the reveal dialog closes.
  const [created, setCreated] = useState<CreatedToken | null>(null);
  const [deleting, setDeleting] = useState<TokenSummary | null>(null);
  const [deleted, setDeleted] = useState<string | null>(null);
  const [actionError, setActionError] = useState<string | null>(null);
  const newTokenRef = useRef<HTMLButtonElement>(null);
  const headingRef = useRef<HTMLHeadingElement>(null);

  const changeSearch = useCallback(
    (change: Partial<TokenListSearch>, options: { replace?: boolean } = {}) => {
      setDeleted(null);
      onSearchChange(change, options);
    },
    [onSearchChange],
  );

  // The dialog's opener may be gone (the empty state's button): land on the list's button instead.
  const closeReveal = () => {
    setCreated(null);
    window.setTimeout(() => newTokenRef.current?.focus(), 0);
  };

  const handleCreated = (result: CreatedToken) => {
    setCreating(false);
    setDeleted(null);
    setCreated(result);
  };

  const handleDeleted = (token: TokenSummary) => {
    setDeleting(null);
    setDeleted(token.name);
    // The row's Delete button is gone (and the row too, unless Revoked is shown): start from the heading.
    window.setTimeout(() => headingRef.current?.focus(), 0);
  };

  // Under an organization's heading (h1), the list's heading is a section's.
  const Heading = organization ? 'h2' : 'h1';
  const newTokenButton = (
    <button
      type="button"
      className="button button-primary"
      onClick={() => setCreating(true)}
      ref={newTokenRef}
    >
      New token
    </button>
  );

  return (
    <>
      <div className="page-head">
        <Heading ref={headingRef} tabIndex={-1}>
          Tokens
        </Heading>
        {noTokensAtAll || query.isPending ? null : newTokenButton}
      </div>
      <ErrorAlert message={query.error?.message} />
      <ErrorAlert message={actionError} />
      {deleted ? (
        <StatusMessage>
          Deleted “{printable(deleted)}”: it is revoked for good and stays listed under Revoked.
        </StatusMessage>
      ) : null}
      {query.isPending ? <PageSkeleton label="Loading tokens…" /> : null}
      {noTokensAtAll ? (
        <section className="empty-state" aria-labelledby="empty-tokens-title">
          {organization ? (
            <>
              <h3 id="empty-tokens-title">{printable(organization.name)} has no tokens yet</h3>
              <p>
                An organization token belongs to the organization, not to a person: it keeps working when the
                member who created it leaves, and its permissions are the organization’s. Owners and admins
                create, switch off and delete them.
              </p>
            </>
          ) : (
            <>
              <h2 id="empty-tokens-title">You have no tokens yet</h2>
              <p>
                A personal access token lets a script, a CI job or the <code>keyward</code> command-line
                client use the API as you, without your password. Give each one only the permissions it needs
                and an expiry, and switch it off or delete it the moment you no longer trust it.
              </p>
            </>
          )}
          {newTokenButton}
        </section>
      ) : null}
      {query.data && !noTokensAtAll ? (
        <>
          <TokenFilters search={search} onChange={changeSearch} />
          {tokens.length > 0 ? (
            <div aria-busy={query.isPlaceholderData || undefined} className="token-results">
              <TokenTable
                caption={organization ? `API tokens of ${printable(organization.name)}` : undefined}
                tokens={tokens}
                orderBy={filter.orderBy}
                onError={setActionError}
                onDelete={(token) => {
                  setDeleted(null);
                  setDeleting(token);
                }}
              />
              {query.hasNextPage ? (
                <LoadMoreButton onClick={() => query.fetchNextPage()} loading={query.isFetchingNextPage} />
              ) : null}
            </div>
          ) : query.isPlaceholderData || anyToken.isPending ? null : (
            <p className="no-results" role="status">
              No tokens match {filter.search ? `“${printable(filter.search)}” with ` : ''}these statuses.
            </p>
          )}
        </>
      ) : null}
      {creating ? (
        <NewTokenDialog
          organization={organization}
          onCancel={() => setCreating(false)}
          onCreated={handleCreated}
        />
      ) : null}
      {created ? (
        <RevealTokenDialog name={created.token.name} secret={created.secret} onClose={closeReveal} />
      ) : null}
      {deleting ? (
        <DeleteTokenDialog
          token={deleting}
          onCancel={() => setDeleting(null)}
          onDeleted={() => handleDeleted(deleting)}
        />
      ) : null}
    </>
  );
}
