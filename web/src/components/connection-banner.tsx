import { useQueryClient } from '@tanstack/react-query';
import { useCallback, useId, useState, useSyncExternalStore } from 'react';
import { failedToReach } from '../lib/query-client';

/**
 * Shown while any query on the page could not reach the server (no answer, or a gateway's
 * 502/503/504): what happened and a Retry that refetches exactly those queries. It goes away by
 * itself once they succeed.
 */
export function ConnectionBanner() {
  const client = useQueryClient();
  const cache = client.getQueryCache();
  const subscribe = useCallback((onChange: () => void) => cache.subscribe(onChange), [cache]);
  const unreachable = useSyncExternalStore(subscribe, () => cache.findAll().some(failedToReach));
  const [retrying, setRetrying] = useState(false);
  const titleId = useId();

  if (!unreachable) return null;
  const retry = async () => {
    if (retrying) return;
    setRetrying(true);
    try {
      await client.refetchQueries({ predicate: failedToReach });
    } finally {
      setRetrying(false);
    }
  };
  return (
    <section className="banner banner-error" aria-labelledby={titleId}>
      <div role="alert">
        <p>
          <strong id={titleId}>Can't reach Keyward.</strong> The server did not answer, or a proxy in front of
          it reported it unavailable. Check your connection; nothing on this page was lost.
        </p>
      </div>
      <button type="button" className="button" onClick={retry} aria-busy={retrying || undefined}>
        Retry
      </button>
    </section>
  );
}
