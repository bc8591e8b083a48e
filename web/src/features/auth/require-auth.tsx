import { Navigate, useLocation, useNavigate, useSearch } from '@tanstack/react-router';
import { type ReactNode, useLayoutEffect } from 'react';
import { safeNextPath } from '../../lib/navigation';
import { useViewer } from '../../lib/viewer';

/** Sends anonymous visitors to `/login?next=<this page>`; they come back after logging in. */
export function RequireAuth({ children }: { children: ReactNode }) {
  const viewer = useViewer();
  const { pathname, searchStr } = useLocation();
  if (!viewer) return <Navigate to="/login" search={{ next: pathname + searchStr }} replace />;
  return <>{children}</>;
}

/** Login and register pages: a signed-in visitor goes straight on to `next` (or the tokens page). */
export function GuestOnly({ children }: { children: ReactNode }) {
  const viewer = useViewer();
  const { next } = useSearch({ strict: false });
  const navigate = useNavigate();
  // `next` is any same-origin path with its query, not one of the typed routes: go by href.
  useLayoutEffect(() => {
    if (viewer) void navigate({ href: safeNextPath(next), replace: true });
  }, [viewer, next, navigate]);
  return viewer ? null : children;
}
