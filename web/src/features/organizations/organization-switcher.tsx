import { useQuery } from '@tanstack/react-query';
import { Link, useRouterState } from '@tanstack/react-router';
import { useEffect, useId, useRef, useState } from 'react';
import { printable } from '../../lib/printable';
import { roleLabels } from './organization-roles';
import { organizationQuery, organizationsQuery } from './organizations.operations';
import './organizations.css';

/** `/orgs/acme-labs/members` → `acme-labs`: the organization a page belongs to, from its URL. */
export function organizationSlugOf(pathname: string): string | null {
  const match = /^\/orgs\/([^/]+)(?:\/|$)/.exec(pathname);
  return match?.[1] ? decodeURIComponent(match[1]) : null;
}

/**
 * Where the app works: "Personal" (the viewer's own tokens) or one of their organizations. The
 * choice lives in the URL (`/orgs/<slug>/…`), so a link or a reload keeps it; this is a disclosure
 * button opening a list of links, closed again by Escape, a click elsewhere or the navigation.
 */
export function OrganizationSwitcher() {
  const pathname = useRouterState({ select: (state) => state.location.pathname });
  const organizations = useQuery(organizationsQuery);
  const [open, setOpen] = useState(false);
  const rootRef = useRef<HTMLDivElement>(null);
  const buttonRef = useRef<HTMLButtonElement>(null);
  const listId = useId();
  const currentSlug = organizationSlugOf(pathname);
  // The organization page loads this one too (one request): its name is known before the list's.
  const current = useQuery({ ...organizationQuery(currentSlug ?? ''), enabled: currentSlug !== null });
  const currentName = currentSlug ? printable(current.data?.name ?? currentSlug) : 'Personal';

  // Following a link (or Back) closes the list.
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs on each navigation on purpose.
  useEffect(() => setOpen(false), [pathname]);

  // While open: Escape (back on the button), a click elsewhere or tabbing out of the list closes it.
  useEffect(() => {
    const root = rootRef.current;
    if (!open || !root) return;
    const closeOnEscape = (event: KeyboardEvent) => {
      if (event.key !== 'Escape') return;
      setOpen(false);
      buttonRef.current?.focus();
    };
    const closeOutside = (event: PointerEvent) => {
      if (!root.contains(event.target as Node)) setOpen(false);
    };
    // Only focus that lands elsewhere (Tab): a click moves none in some browsers (Safari).
    const closeOnFocusOut = (event: FocusEvent) => {
      const next = event.relatedTarget as Node | null;
      if (next && !root.contains(next)) setOpen(false);
    };
    document.addEventListener('keydown', closeOnEscape);
    document.addEventListener('pointerdown', closeOutside);
    root.addEventListener('focusout', closeOnFocusOut);
    return () => {
      document.removeEventListener('keydown', closeOnEscape);
      document.removeEventListener('pointerdown', closeOutside);
      root.removeEventListener('focusout', closeOnFocusOut);
    };
  }, [open]);

  return (
    <div className="org-switcher" ref={rootRef}>
      <button
        type="button"
        ref={buttonRef}
        className="org-switcher-button"
        aria-expanded={open}
        aria-controls={listId}
        onClick={() => setOpen((value) => !value)}
      >
        <span className="visually-hidden">Organization: </span>
        <span className="org-switcher-current">{currentName}</span>
        <svg viewBox="0 0 16 16" width="14" height="14" aria-hidden="true" focusable="false">
          <path fill="none" stroke="currentColor" strokeWidth="2" d="m4 6 4 4 4-4" />
        </svg>
      </button>
      <div id={listId} className="org-switcher-popup" hidden={!open}>
        <ul className="org-switcher-list" aria-label="Switch to">
          <li>
            <Link to="/tokens" aria-current={currentSlug ? undefined : 'true'}>
              Personal
              <span className="org-switcher-role">Your own tokens</span>
            </Link>
          </li>
          {(organizations.data ?? []).map((organization) => (
            <li key={organization.id}>
              <Link
                to="/orgs/$slug"
                params={{ slug: organization.slug }}
                aria-current={organization.slug === currentSlug ? 'true' : undefined}
              >
                {printable(organization.name)}
                <span className="org-switcher-role">{roleLabels[organization.viewerRole]}</span>
              </Link>
            </li>
          ))}
        </ul>
        {organizations.isError ? (
          <p className="org-switcher-note">Your organizations could not be loaded.</p>
        ) : null}
        <ul className="org-switcher-list org-switcher-more">
          <li>
            <Link to="/orgs" activeOptions={{ exact: true, includeHash: false }}>
              All organizations
            </Link>
          </li>
          <li>
            <Link to="/orgs" hash="new-organization" activeOptions={{ exact: true, includeHash: true }}>
              New organization
            </Link>
          </li>
        </ul>
      </div>
    </div>
  );
}
