/** Grey placeholders where the navigation will be, while the viewer loads. */
export function HeaderSkeleton() {
  return (
    <div className="app-nav nav-skeleton" aria-hidden="true">
      <span className="skeleton skeleton-text" />
      <span className="skeleton skeleton-text" />
      <span className="skeleton skeleton-text" />
    </div>
  );
}

/**
 * A page's place while it loads: a heading bar and rows, announced once as loading, so the app
 * never starts as a blank "Loading…".
 */
export function PageSkeleton({ label = 'Loading Keyward…' }: { label?: string }) {
  return (
    <div className="page-skeleton" role="status">
      <span className="visually-hidden">{label}</span>
      <div aria-hidden="true">
        <span className="skeleton skeleton-heading" />
        <span className="skeleton skeleton-row" />
        <span className="skeleton skeleton-row" />
        <span className="skeleton skeleton-row" />
        <span className="skeleton skeleton-row" />
      </div>
    </div>
  );
}
