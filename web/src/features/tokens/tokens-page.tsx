import { useInfiniteQuery } from '@tanstack/react-query';
import { useRef, useState } from 'react';
import { LoadMoreButton } from '../../components/load-more';
import { ErrorAlert } from '../../components/messages';
import { PageSkeleton } from '../../components/skeleton';
import { useDocumentTitle } from '../../lib/navigation';
import { NewTokenDialog } from './new-token-dialog';
import { RevealTokenDialog } from './reveal-token-dialog';
import { TokenTable } from './token-table';
import { type CreatedToken, tokensQuery } from './tokens.operations';

export function TokensPage() {
  useDocumentTitle('Tokens');
  const query = useInfiniteQuery(tokensQuery);
  const [creating, setCreating] = useState(false);
  // The only place the secret lives; set back to null when the reveal dialog closes.
  const [created, setCreated] = useState<CreatedToken | null>(null);
  const [actionError, setActionError] = useState<string | null>(null);
  const newTokenRef = useRef<HTMLButtonElement>(null);

  // The dialog's opener may be gone (the empty state's button): land on the list's button instead.
  const closeReveal = () => {
    setCreated(null);
    window.setTimeout(() => newTokenRef.current?.focus(), 0);
  };

  const handleCreated = (result: CreatedToken) => {
    setCreating(false);
    setCreated(result);
  };

  const tokens = query.data?.pages.flatMap((page) => page.tokens.edges.map((edge) => edge.node)) ?? [];
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
        <h1>Tokens</h1>
        {tokens.length > 0 ? newTokenButton : null}
      </div>
      <ErrorAlert message={query.error?.message} />
      <ErrorAlert message={actionError} />
      {query.isPending ? <PageSkeleton label="Loading tokens…" /> : null}
      {query.data && tokens.length === 0 ? (
        <section className="empty-state" aria-labelledby="empty-tokens-title">
          <h2 id="empty-tokens-title">You have no tokens yet</h2>
          <p>
            A personal access token lets a script, a CI job or the <code>keyward</code> command-line client
            use the API as you, without your password. Give each one only the permissions it needs and an
            expiry, and switch it off or delete it the moment you no longer trust it.
          </p>
          {newTokenButton}
        </section>
      ) : null}
      {tokens.length > 0 ? (
        <>
          <TokenTable tokens={tokens} onError={setActionError} />
          {query.hasNextPage ? (
            <LoadMoreButton onClick={() => query.fetchNextPage()} loading={query.isFetchingNextPage} />
          ) : null}
        </>
      ) : null}
      {creating ? <NewTokenDialog onCancel={() => setCreating(false)} onCreated={handleCreated} /> : null}
      {created ? (
        <RevealTokenDialog name={created.token.name} secret={created.secret} onClose={closeReveal} />
      ) : null}
    </>
  );
}
