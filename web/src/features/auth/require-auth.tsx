import { useIsMutating } from '@tanstack/react-query';
import { useLocation, useSearch } from '@tanstack/react-router';
import type { ReactNode } from 'react';
import { Redirect, safeNextPath } from '../../lib/navigation';
import { useViewer } from '../../lib/viewer';

/** Sends anonymous visitors to `/login?next=<this page>`; they come back after logging in. */
export function RequireAuth({ children }: { children: ReactNode }) {
  const viewer = useViewer();
  const { pathname, searchStr } = useLocation();
  if (!viewer) return <Redirect to="/login" search={{ next: pathname + searchStr }} />;
  return children;
}

/** Key of the logout mutation: while it runs, the login page it goes to is not left again. */
export const logoutKey = ['logout'] as const;

/** Login and register pages: a signed-in visitor goes straight on to `next` (or the tokens page). */
export function GuestOnly({ children }: { children: ReactNode }) {
  const viewer = useViewer();
  const { next } = useSearch({ strict: false });
  const loggingOut = useIsMutating({ mutationKey: logoutKey }) > 0;
  // `next` is any same-origin path with its query, not one of the typed routes: go by href.
  if (viewer && !loggingOut) return <Redirect href={safeNextPath(next)} />;
  return children;
}
