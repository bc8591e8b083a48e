import { useEffect } from 'react';

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
