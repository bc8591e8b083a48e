import type { ReactNode } from 'react';
import { AppShell } from './components/app-shell';
import { AccountPage } from './features/account/account-page';
import { AuditPage } from './features/audit/audit-page';
import { ForgotPasswordPage } from './features/auth/forgot-password-page';
import { LoginPage } from './features/auth/login-page';
import { RegisterPage } from './features/auth/register-page';
import { GuestOnly, RequireAuth } from './features/auth/require-auth';
import { ResetPasswordPage } from './features/auth/reset-password-page';
import { VerifyEmailPage } from './features/auth/verify-email-page';
import { TokenDetailPage } from './features/tokens/token-detail-page';
import { TokensPage } from './features/tokens/tokens-page';
import { Link, matchPath, Redirect, RouterProvider, useDocumentTitle, useLocation } from './lib/router';
import { useViewer, ViewerProvider } from './lib/viewer';

export function App() {
  return (
    <RouterProvider>
      <ViewerProvider>
        <AppShell>
          <Routes />
        </AppShell>
      </ViewerProvider>
    </RouterProvider>
  );
}

const staticRoutes: Record<string, () => ReactNode> = {
  '/login': () => (
    <GuestOnly>
      <LoginPage />
    </GuestOnly>
  ),
  '/register': () => (
    <GuestOnly>
      <RegisterPage />
    </GuestOnly>
  ),
  '/forgot-password': () => <ForgotPasswordPage />,
  '/reset-password': () => <ResetPasswordPage />,
  '/verify-email': () => <VerifyEmailPage />,
  '/tokens': () => (
    <RequireAuth>
      <TokensPage />
    </RequireAuth>
  ),
  '/audit': () => (
    <RequireAuth>
      <AuditPage />
    </RequireAuth>
  ),
  '/account': () => (
    <RequireAuth>
      <AccountPage />
    </RequireAuth>
  ),
};

function Routes() {
  const { pathname } = useLocation();
  const { viewer } = useViewer();
  const path = pathname.length > 1 ? pathname.replace(/\/+$/, '') : pathname;

  if (path === '/') return <Redirect to={viewer ? '/tokens' : '/login'} />;
  const page = staticRoutes[path];
  if (page) return page();
  const tokenRoute = matchPath('/tokens/:id', path);
  if (tokenRoute?.id) {
    return (
      <RequireAuth>
        <TokenDetailPage key={tokenRoute.id} id={tokenRoute.id} />
      </RequireAuth>
    );
  }
  return <NotFoundPage />;
}

function NotFoundPage() {
  useDocumentTitle('Page not found');
  return (
    <>
      <h1>Page not found</h1>
      <p>
        There is nothing at this address. <Link to="/">Go to the start page</Link>.
      </p>
    </>
  );
}
