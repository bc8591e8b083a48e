import type { QueryClient } from '@tanstack/react-query';
import { createRootRouteWithContext, createRoute, createRouter } from '@tanstack/react-router';
import { useCallback } from 'react';
import { AppShell } from './components/app-shell';
import { NotFoundPage } from './components/not-found-page';
import { AccountPage } from './features/account/account-page';
import { auditSearch } from './features/audit/audit.operations';
import { AuditPage } from './features/audit/audit-page';
import { ForgotPasswordPage } from './features/auth/forgot-password-page';
import { LoginPage } from './features/auth/login-page';
import { RegisterPage } from './features/auth/register-page';
import { GuestOnly, RequireAuth } from './features/auth/require-auth';
import { ResetPasswordPage } from './features/auth/reset-password-page';
import { VerifyEmailPage } from './features/auth/verify-email-page';
import { validateAdminTokenSearch } from './features/inventory/admin-token-search';
import { AdminTokensPage } from './features/inventory/admin-tokens-page';
import { OrganizationInventoryPage } from './features/inventory/organization-inventory-page';
import { MembersPage } from './features/organizations/members-page';
import { OrganizationLayout, OrganizationStart } from './features/organizations/organization-layout';
import { OrganizationTokensPage } from './features/organizations/organization-tokens-page';
import { OrganizationsPage } from './features/organizations/organizations-page';
import { PolicyPage } from './features/organizations/policy-page';
import { TokenDetailPage } from './features/tokens/token-detail-page';
import { type TokenListSearch, validateTokenListSearch } from './features/tokens/token-list-search';
import { TokensPage } from './features/tokens/tokens-page';
import { usageRangeSearch } from './features/tokens/usage.operations';
import { Redirect } from './lib/navigation';
import { optionalString, parseSearch, stringifySearch } from './lib/search-params';
import { useViewer } from './lib/viewer';

/**
 * The app's routes, declared in code with typed params and search params. The shell (root route)
 * renders a page only once the viewer is known, so the guards below decide synchronously.
 */
const rootRoute = createRootRouteWithContext<{ queryClient: QueryClient }>()({
  component: AppShell,
  notFoundComponent: NotFoundPage,
});

const startRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/',
  component: function StartPage() {
    return <Redirect to={useViewer() ? '/tokens' : '/login'} />;
  },
});

const loginRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/login',
  // `error`: why a sign-in with OpenID Connect came back here (`oidc_…`, docs/api.md).
  validateSearch: (search: Record<string, unknown>) => ({
    ...optionalString('next')(search),
    ...optionalString('error')(search),
  }),
  component: () => (
    <GuestOnly>
      <LoginPage />
    </GuestOnly>
  ),
});

const registerRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/register',
  validateSearch: optionalString('next'),
  component: () => (
    <GuestOnly>
      <RegisterPage />
    </GuestOnly>
  ),
});

const forgotPasswordRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/forgot-password',
  component: ForgotPasswordPage,
});

const resetPasswordRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/reset-password',
  validateSearch: optionalString('token'),
  component: ResetPasswordPage,
});

const verifyEmailRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/verify-email',
  validateSearch: optionalString('token'),
  component: VerifyEmailPage,
});

const tokensRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/tokens',
  validateSearch: validateTokenListSearch,
  component: function TokensRoute() {
    const search = tokensRoute.useSearch();
    const navigate = tokensRoute.useNavigate();
    const onSearchChange = useCallback(
      (change: Partial<TokenListSearch>, options: { replace?: boolean }) =>
        void navigate({ search: (previous) => ({ ...previous, ...change }), replace: options.replace }),
      [navigate],
    );
    return (
      <RequireAuth>
        <TokensPage search={search} onSearchChange={onSearchChange} />
      </RequireAuth>
    );
  },
});

const tokenRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/tokens/$id',
  // `?rotate=1` (the expiry-reminder mails' link) opens the rotation dialog; it never rotates by itself.
  validateSearch: (search: Record<string, unknown>) => ({
    ...usageRangeSearch(search),
    ...optionalString('rotate')(search),
  }),
  component: function TokenRoute() {
    const { id } = tokenRoute.useParams();
    const { rotate } = tokenRoute.useSearch();
    return (
      <RequireAuth>
        <TokenDetailPage key={id} id={id} rotate={rotate === '1'} />
      </RequireAuth>
    );
  },
});

const auditRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/audit',
  validateSearch: auditSearch,
  component: () => (
    <RequireAuth>
      <AuditPage />
    </RequireAuth>
  ),
});

const accountRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/account',
  component: () => (
    <RequireAuth>
      <AccountPage />
    </RequireAuth>
  ),
});

const organizationsRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/orgs',
  // `left`: the organization the viewer has just left, named once in a status message.
  validateSearch: optionalString('left'),
  component: function OrganizationsRoute() {
    const { left } = organizationsRoute.useSearch();
    return (
      <RequireAuth>
        <OrganizationsPage left={left} />
      </RequireAuth>
    );
  },
});

/** An organization's pages share its heading and sections (the layout loads the organization once). */
const organizationRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/orgs/$slug',
  component: function OrganizationRoute() {
    const { slug } = organizationRoute.useParams();
    return (
      <RequireAuth>
        <OrganizationLayout key={slug} slug={slug} />
      </RequireAuth>
    );
  },
});

const organizationIndexRoute = createRoute({
  getParentRoute: () => organizationRoute,
  path: '/',
  component: OrganizationStart,
});

const organizationTokensRoute = createRoute({
  getParentRoute: () => organizationRoute,
  path: '/tokens',
  validateSearch: validateTokenListSearch,
  component: function OrganizationTokensRoute() {
    const search = organizationTokensRoute.useSearch();
    const navigate = organizationTokensRoute.useNavigate();
    const onSearchChange = useCallback(
      (change: Partial<TokenListSearch>, options: { replace?: boolean }) =>
        void navigate({ search: (previous) => ({ ...previous, ...change }), replace: options.replace }),
      [navigate],
    );
    return <OrganizationTokensPage search={search} onSearchChange={onSearchChange} />;
  },
});

const membersRoute = createRoute({
  getParentRoute: () => organizationRoute,
  path: '/members',
  component: MembersPage,
});

const inventoryRoute = createRoute({
  getParentRoute: () => organizationRoute,
  path: '/inventory',
  component: OrganizationInventoryPage,
});

const policyRoute = createRoute({
  getParentRoute: () => organizationRoute,
  path: '/policy',
  component: PolicyPage,
});

/** Site admins: every token on the server, with its filters in the URL. */
const adminTokensRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/admin/tokens',
  validateSearch: validateAdminTokenSearch,
  component: function AdminTokensRoute() {
    const search = adminTokensRoute.useSearch();
    const navigate = adminTokensRoute.useNavigate();
    return (
      <RequireAuth>
        <AdminTokensPage search={search} onSearchChange={(next) => void navigate({ search: next })} />
      </RequireAuth>
    );
  },
});

const routeTree = rootRoute.addChildren([
  startRoute,
  loginRoute,
  registerRoute,
  forgotPasswordRoute,
  resetPasswordRoute,
  verifyEmailRoute,
  tokensRoute,
  tokenRoute,
  auditRoute,
  accountRoute,
  organizationsRoute,
  organizationRoute.addChildren([
    organizationIndexRoute,
    organizationTokensRoute,
    membersRoute,
    inventoryRoute,
    policyRoute,
  ]),
  adminTokensRoute,
]);

export function createAppRouter(queryClient: QueryClient) {
  return createRouter({
    routeTree,
    context: { queryClient },
    parseSearch,
    stringifySearch,
    trailingSlash: 'never',
    scrollRestoration: true,
  });
}

declare module '@tanstack/react-router' {
  interface Register {
    router: ReturnType<typeof createAppRouter>;
  }
}
