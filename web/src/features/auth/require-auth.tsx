import type { ReactNode } from 'react';
import { Redirect, safeNextPath, useLocation, useSearchParam } from '../../lib/router';
import { useViewer } from '../../lib/viewer';

/** Sends anonymous visitors to `/login?next=<this page>`; they come back after logging in. */
export function RequireAuth({ children }: { children: ReactNode }) {
  const { viewer } = useViewer();
  const { pathname, search } = useLocation();
  if (!viewer) return <Redirect to={`/login?next=${encodeURIComponent(pathname + search)}`} />;
  return <>{children}</>;
}

/** Login and register pages: a signed-in visitor goes straight on to `next` (or the tokens page). */
export function GuestOnly({ children }: { children: ReactNode }) {
  const { viewer } = useViewer();
  const next = useSearchParam('next');
  if (viewer) return <Redirect to={safeNextPath(next)} />;
  return <>{children}</>;
}
