import { useMutation, useQuery } from '@tanstack/react-query';
import { Link, Outlet, useNavigate, useRouterState } from '@tanstack/react-router';
import { type ReactNode, useEffect, useRef } from 'react';
import { logoutMutation } from '../features/auth/auth.operations';
import { logoutKey } from '../features/auth/require-auth';
import { VerificationBanner } from '../features/auth/verification-banner';
import { OrganizationSwitcher } from '../features/organizations/organization-switcher';
import { isUnreachable, request } from '../lib/graphql';
import { useSetViewer, type Viewer, viewerQuery } from '../lib/viewer';
import { ConnectionBanner } from './connection-banner';
import { HelpLinks } from './help-links';
import { ErrorAlert } from './messages';
import { HeaderSkeleton, PageSkeleton } from './skeleton';

/**
 * Header, banners, the page's <main> and the help footer. Until the viewer is known the shell
 * shows skeletons; when the server cannot be reached it says so with Retry, never a login page.
 */
export function AppShell() {
  const viewerState = useQuery(viewerQuery);
  const pathname = useRouterState({ select: (state) => state.location.pathname });
  const mainRef = useRef<HTMLElement>(null);
  const firstPath = useRef(pathname);

  // After client-side navigation, start keyboard and screen-reader users at the new page's content.
  useEffect(() => {
    if (pathname === firstPath.current) return;
    firstPath.current = '';
    mainRef.current?.focus({ preventScroll: true });
  }, [pathname]);

  const viewer = viewerState.data;
  let content: ReactNode;
  if (viewer !== undefined) content = <Outlet />;
  else if (viewerState.isPending && !viewerState.isError) content = <PageSkeleton />;
  else if (!isUnreachable(viewerState.error)) content = <ViewerError retry={() => viewerState.refetch()} />;

  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="app-header">
        <div className="app-header-inner">
          <div className="header-start">
            <Link to={viewer ? '/tokens' : '/login'} className="brand">
              Keyward
            </Link>
            {viewer ? <OrganizationSwitcher /> : null}
          </div>
          {viewer ? (
            <MainNav viewer={viewer} />
          ) : viewer === undefined && !viewerState.isError ? (
            <HeaderSkeleton />
          ) : null}
        </div>
      </header>
      <ConnectionBanner />
      {viewer && !viewer.emailVerified ? <VerificationBanner viewer={viewer} /> : null}
      <main
        id="main"
        ref={mainRef}
        tabIndex={-1}
        className="app-main"
        aria-busy={viewer === undefined && viewerState.isFetching ? true : undefined}
      >
        {content}
      </main>
      <HelpLinks />
    </>
  );
}

function MainNav({ viewer }: { viewer: Viewer }) {
  const setViewer = useSetViewer();
  const navigate = useNavigate();
  // The login page is shown first (GuestOnly stays put while this runs), then the viewer is
  // dropped: the page being left never sees an anonymous viewer and sends it to the login page.
  const logOut = useMutation({
    mutationKey: logoutKey,
    mutationFn: async () => {
      // Logging out locally is still right when the session is already gone.
      await request(logoutMutation, {}).catch(() => undefined);
      await navigate({ to: '/login' });
      setViewer(null);
    },
  });

  return (
    <nav aria-label="Main" className="app-nav">
      <Link to="/tokens" activeOptions={{ exact: true }}>
        Tokens
      </Link>
      <Link to="/audit">Audit</Link>
      <Link to="/account">Account</Link>
      {viewer.role === 'admin' ? <Link to="/admin/tokens">Admin</Link> : null}
      <span className="viewer-email" title={viewer.email}>
        {viewer.email}
      </span>
      <button
        type="button"
        className="button button-small"
        onClick={() => logOut.mutate()}
        aria-disabled={logOut.isPending || undefined}
      >
        Log out
      </button>
    </nav>
  );
}

/** The viewer query failed for another reason than reachability (the server answered with an error). */
function ViewerError({ retry }: { retry: () => void }) {
  return (
    <>
      <ErrorAlert message="Keyward answered with an error while loading your account." />
      <button type="button" className="button" onClick={retry}>
        Retry
      </button>
    </>
  );
}
