import { useQuery } from '@tanstack/react-query';
import { Link, Outlet } from '@tanstack/react-router';
import { createContext, type ReactNode, useContext } from 'react';
import { ErrorAlert } from '../../components/messages';
import { PageSkeleton } from '../../components/skeleton';
import { Redirect, useDocumentTitle } from '../../lib/navigation';
import { printable } from '../../lib/printable';
import { managesMembers, roleLabels } from './organization-roles';
import { type Organization, organizationQuery } from './organizations.operations';
import './organizations.css';

const OrganizationContext = createContext<Organization | null>(null);

/** The organization of the page being shown (under /orgs/$slug, where it is never null). */
export function useOrganization(): Organization {
  const organization = useContext(OrganizationContext);
  if (!organization) throw new Error('This page needs an organization.');
  return organization;
}

/** The sections of an organization, in the order the page's navigation shows them. */
export type OrganizationSection = 'tokens' | 'members' | 'inventory' | 'policy';

/** Who sees which section: the tokens and the inventory are for owners and admins. */
export function sectionsFor(organization: Organization): OrganizationSection[] {
  return managesMembers(organization.viewerRole)
    ? ['tokens', 'members', 'inventory', 'policy']
    : ['members', 'policy'];
}

/** Where `/orgs/<slug>` leads: the tokens for owners and admins, the members for the others. */
export const defaultSection = (organization: Organization): OrganizationSection =>
  sectionsFor(organization)[0] ?? 'members';

/**
 * Every page of an organization: its name, the viewer's role and the sections, above the page.
 * An unknown slug, another organization's and one the viewer has just left look alike: not found.
 */
export function OrganizationLayout({ slug }: { slug: string }) {
  const query = useQuery(organizationQuery(slug));
  if (query.isPending) return <PageSkeleton label="Loading the organization…" />;
  if (query.isError && !query.data) {
    return (
      <>
        <ErrorAlert message={query.error.message} />
        <button type="button" className="button" onClick={() => query.refetch()}>
          Retry
        </button>
      </>
    );
  }
  if (!query.data) return <OrganizationNotFound slug={slug} />;
  const organization = query.data;
  return (
    <OrganizationContext.Provider value={organization}>
      <div className="org-head">
        <h1>{printable(organization.name)}</h1>
        <p className="muted">
          <code>{organization.slug}</code> · You are {roleArticle(organization.viewerRole)}{' '}
          {roleLabels[organization.viewerRole].toLowerCase()}.
        </p>
      </div>
      <nav aria-label="Organization sections" className="org-sections">
        {sectionsFor(organization).map((section) => (
          <SectionLink key={section} slug={organization.slug} section={section} />
        ))}
      </nav>
      <Outlet />
    </OrganizationContext.Provider>
  );
}

/** "an owner", "an admin", "a member". */
const roleArticle = (role: Organization['viewerRole']): string => (role === 'MEMBER' ? 'a' : 'an');

function SectionLink({ slug, section }: { slug: string; section: OrganizationSection }): ReactNode {
  switch (section) {
    case 'tokens':
      return (
        <Link to="/orgs/$slug/tokens" params={{ slug }}>
          Tokens
        </Link>
      );
    case 'members':
      return (
        <Link to="/orgs/$slug/members" params={{ slug }}>
          Members
        </Link>
      );
    case 'inventory':
      return (
        <Link to="/orgs/$slug/inventory" params={{ slug }}>
          Inventory
        </Link>
      );
    case 'policy':
      return (
        <Link to="/orgs/$slug/policy" params={{ slug }}>
          Policy
        </Link>
      );
  }
}

/** `/orgs/<slug>`: the organization's first section for the viewer's role. */
export function OrganizationStart() {
  const organization = useOrganization();
  const params = { slug: organization.slug };
  switch (defaultSection(organization)) {
    case 'tokens':
      return <Redirect to="/orgs/$slug/tokens" params={params} />;
    default:
      return <Redirect to="/orgs/$slug/members" params={params} />;
  }
}

/** A section for owners and admins, reached by a member (a link, a role that changed). */
export function OwnersAndAdminsOnly({ section }: { section: string }) {
  const organization = useOrganization();
  return (
    <>
      <h2>{section}</h2>
      <p className="alert alert-warning">
        Only owners and admins of {printable(organization.name)} see this page; you are{' '}
        {roleArticle(organization.viewerRole)} {roleLabels[organization.viewerRole].toLowerCase()}.
      </p>
    </>
  );
}

function OrganizationNotFound({ slug }: { slug: string }) {
  useDocumentTitle('Organization not found');
  return (
    <>
      <h1>Organization not found</h1>
      <p>
        You are not a member of an organization called <code>{printable(slug)}</code>, or it does not exist.{' '}
        <Link to="/orgs">See your organizations</Link>.
      </p>
    </>
  );
}
