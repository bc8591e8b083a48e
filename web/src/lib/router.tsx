import {
  type AnchorHTMLAttributes,
  createContext,
  type MouseEvent,
  type ReactNode,
  useCallback,
  useContext,
  useEffect,
  useLayoutEffect,
  useMemo,
  useState,
} from 'react';

export type Location = { pathname: string; search: string };
export type NavigateOptions = { replace?: boolean };
type Navigate = (to: string, options?: NavigateOptions) => void;
type RouterValue = { location: Location; navigate: Navigate };

const RouterContext = createContext<RouterValue | null>(null);

const currentLocation = (): Location => ({
  pathname: window.location.pathname,
  search: window.location.search,
});

/** History-based routing: the URL is the state; links and `navigate` push entries, Back pops them. */
export function RouterProvider({ children }: { children: ReactNode }) {
  const [location, setLocation] = useState<Location>(currentLocation);

  useEffect(() => {
    const onPopState = () => setLocation(currentLocation());
    window.addEventListener('popstate', onPopState);
    return () => window.removeEventListener('popstate', onPopState);
  }, []);

  const navigate = useCallback<Navigate>((to, options = {}) => {
    const url = new URL(to, window.location.origin);
    const target = `${url.pathname}${url.search}${url.hash}`;
    if (target === `${window.location.pathname}${window.location.search}${window.location.hash}`) return;
    if (options.replace) window.history.replaceState(null, '', target);
    else window.history.pushState(null, '', target);
    setLocation(currentLocation());
    if (!options.replace) window.scrollTo(0, 0);
  }, []);

  const value = useMemo(() => ({ location, navigate }), [location, navigate]);
  return <RouterContext.Provider value={value}>{children}</RouterContext.Provider>;
}

function useRouter(): RouterValue {
  const router = useContext(RouterContext);
  if (!router) throw new Error('useRouter needs a <RouterProvider>.');
  return router;
}

export const useLocation = (): Location => useRouter().location;
export const useNavigate = (): Navigate => useRouter().navigate;

/** One query-string parameter of the current URL, or null. */
export const useSearchParam = (name: string): string | null =>
  new URLSearchParams(useRouter().location.search).get(name);

/** Matches `/tokens/:id` style patterns; returns the decoded parameters or null. */
export function matchPath(pattern: string, pathname: string): Record<string, string> | null {
  const patternParts = pattern.split('/').filter(Boolean);
  const pathParts = pathname.split('/').filter(Boolean);
  if (patternParts.length !== pathParts.length) return null;
  const params: Record<string, string> = {};
  for (const [index, part] of patternParts.entries()) {
    const actual = pathParts[index] ?? '';
    if (part.startsWith(':')) {
      try {
        params[part.slice(1)] = decodeURIComponent(actual);
      } catch {
        return null;
      }
    } else if (part !== actual) {
      return null;
    }
  }
  return params;
}

type LinkProps = Omit<AnchorHTMLAttributes<HTMLAnchorElement>, 'href'> & { to: string };

const isModifiedClick = (event: MouseEvent) =>
  event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey;

/** An ordinary `<a href>` whose plain left clicks navigate without a page load. */
export function Link({ to, onClick, children, ...rest }: LinkProps) {
  const navigate = useNavigate();
  const { pathname } = useLocation();
  const handleClick = (event: MouseEvent<HTMLAnchorElement>) => {
    onClick?.(event);
    if (event.defaultPrevented || isModifiedClick(event) || rest.target) return;
    event.preventDefault();
    navigate(to);
  };
  return (
    <a href={to} aria-current={pathname === to ? 'page' : undefined} onClick={handleClick} {...rest}>
      {children}
    </a>
  );
}

/** Replaces the current entry with `to` as soon as it renders. */
export function Redirect({ to }: { to: string }) {
  const navigate = useNavigate();
  useLayoutEffect(() => {
    navigate(to, { replace: true });
  }, [navigate, to]);
  return null;
}

/**
 * Where to go after logging in: only same-origin paths are accepted, so a crafted
 * `?next=https://evil.example` link cannot bounce the user elsewhere.
 */
export function safeNextPath(next: string | null, fallback = '/tokens'): string {
  if (!next || !/^\/(?![/\\])/.test(next)) return fallback;
  return /^\/(login|register)\b/.test(next) ? fallback : next;
}

/** Sets `document.title` while the page is shown. */
export function useDocumentTitle(title: string): void {
  useEffect(() => {
    document.title = title ? `${title} · Keyward` : 'Keyward';
  }, [title]);
}
