import { useRef, useState } from 'react';
import { ErrorAlert, Loading } from '../../components/messages';
import { request, toApiError } from '../../lib/graphql';
import { useDocumentTitle } from '../../lib/router';
import { useQuery } from '../../lib/use-query';
import { type CreatedToken, NewTokenDialog } from './new-token-dialog';
import { RevealTokenDialog } from './reveal-token-dialog';
import { TokenTable } from './token-table';
import { type TokenSummary, tokensQuery } from './tokens.operations';

const PAGE_SIZE = 50;

export function TokensPage() {
  useDocumentTitle('Tokens');
  const { data, error, loading, setData } = useQuery(tokensQuery, { first: PAGE_SIZE, after: null });
  const [creating, setCreating] = useState(false);
  // The only place the secret lives; set back to null when the reveal dialog closes.
  const [created, setCreated] = useState<CreatedToken | null>(null);
  const [actionError, setActionError] = useState<string | null>(null);
  const [loadingMore, setLoadingMore] = useState(false);
  const newTokenRef = useRef<HTMLButtonElement>(null);

  // The dialog's opener may be gone (the empty state's button): land on the list's button instead.
  const closeReveal = () => {
    setCreated(null);
    window.setTimeout(() => newTokenRef.current?.focus(), 0);
  };

  const replaceToken = (token: TokenSummary) =>
    setData(
      (current) =>
        current && {
          tokens: {
            ...current.tokens,
            edges: current.tokens.edges.map((edge) =>
              edge.node.id === token.id ? { ...edge, node: { ...edge.node, ...token } } : edge,
            ),
          },
        },
    );

  const handleCreated = (result: CreatedToken) => {
    setCreating(false);
    setCreated(result);
    setData(
      (current) =>
        current && {
          tokens: { ...current.tokens, edges: [{ cursor: '', node: result.token }, ...current.tokens.edges] },
        },
    );
  };

  const loadMore = async () => {
    const after = data?.tokens.pageInfo.endCursor;
    if (!after || loadingMore) return;
    setLoadingMore(true);
    setActionError(null);
    try {
      const next = await request(tokensQuery, { first: PAGE_SIZE, after });
      setData(
        (current) =>
          current && {
            tokens: {
              edges: [...current.tokens.edges, ...next.tokens.edges],
              pageInfo: next.tokens.pageInfo,
            },
          },
      );
    } catch (failure) {
      setActionError(toApiError(failure).message);
    } finally {
      setLoadingMore(false);
    }
  };

  const tokens = data?.tokens.edges.map((edge) => edge.node) ?? [];
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
      <ErrorAlert message={error?.message} />
      <ErrorAlert message={actionError} />
      {loading && !data ? <Loading label="Loading tokens…" /> : null}
      {data && tokens.length === 0 ? (
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
          <TokenTable tokens={tokens} onUpdated={replaceToken} onError={setActionError} />
          {data?.tokens.pageInfo.hasNextPage ? (
            <button type="button" className="button load-more" onClick={loadMore} aria-busy={loadingMore}>
              Load more
            </button>
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
