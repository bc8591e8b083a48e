import { type ReactNode, useEffect, useRef } from 'react';
import { logoutMutation } from '../features/auth/auth.operations';
import { VerificationBanner } from '../features/auth/verification-banner';
import { request } from '../lib/graphql';
import { Link, useLocation, useNavigate } from '../lib/router';
import { useViewer } from '../lib/viewer';

/** Header with navigation for signed-in users, the verification banner, and the page's <main>. */
export function AppShell({ children }: { children: ReactNode }) {
  const { viewer, setViewer } = useViewer();
  const navigate = useNavigate();
  const { pathname } = useLocation();
  const mainRef = useRef<HTMLElement>(null);
  const firstPath = useRef(pathname);

  // After client-side navigation, start keyboard and screen-reader users at the new page's content.
  useEffect(() => {
    if (pathname === firstPath.current) return;
    firstPath.current = '';
    mainRef.current?.focus({ preventScroll: true });
  }, [pathname]);

  const logOut = async () => {
    try {
      await request(logoutMutation, {});
    } catch {
      // Logging out locally is still right when the session is already gone.
    }
    navigate('/login');
    setViewer(null);
  };

  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="app-header">
        <div className="app-header-inner">
          <Link to={viewer ? '/tokens' : '/login'} className="brand">
            Keyward
          </Link>
          {viewer ? (
            <nav aria-label="Main" className="app-nav">
              <Link to="/tokens">Tokens</Link>
              <Link to="/audit">Audit</Link>
              <Link to="/account">Account</Link>
              <span className="viewer-email">{viewer.email}</span>
              <button type="button" className="button button-small" onClick={logOut}>
                Log out
              </button>
            </nav>
          ) : null}
        </div>
      </header>
      {viewer && !viewer.emailVerified ? <VerificationBanner viewer={viewer} /> : null}
      <main id="main" ref={mainRef} tabIndex={-1} className="app-main">
        {children}
      </main>
    </>
  );
}
