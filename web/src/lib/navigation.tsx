import { type NavigateOptions, useNavigate } from '@tanstack/react-router';
import { useEffect, useLayoutEffect, useRef } from 'react';

/**
 * Where to go after logging in: only same-origin paths are accepted, so a crafted
 * `?next=https://evil.example` link cannot bounce the user elsewhere.
 */
export function safeNextPath(next: string | undefined, fallback = '/tokens'): string {
  if (!next || !/^\/(?![/\\])/.test(next)) return fallback;
  return /^\/(login|register)\b/.test(next) ? fallback : next;
}

/** Sets `document.title` while the page is shown. */
export function useDocumentTitle(title: string): void {
  useEffect(() => {
    document.title = title ? `${title} · Keyward` : 'Keyward';
  }, [title]);
}

/**
 * Goes to `options` once, when first rendered, replacing the current history entry. (The router's
 * own <Navigate> navigates again whenever its props object changes, which a guard re-rendering
 * during the navigation does.)
 */
export function Redirect(options: NavigateOptions) {
  const navigate = useNavigate();
  const done = useRef(false);
  useLayoutEffect(() => {
    if (done.current) return;
    done.current = true;
    void navigate({ ...options, replace: true });
  });
  return null;
}
