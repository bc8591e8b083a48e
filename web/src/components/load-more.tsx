/** `Load more` under a paged list; busy while the next page is on its way. */
export function LoadMoreButton({ onClick, loading }: { onClick: () => void; loading: boolean }) {
  return (
    <button type="button" className="button load-more" onClick={onClick} aria-busy={loading}>
      Load more
    </button>
  );
}
