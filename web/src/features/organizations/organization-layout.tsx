import { useQuery } from '@tanstack/react-query';
import { Link, Outlet } from '@tanstack/react-router';
import { createContext, type ReactNode, useContext } from 'react';
import { ErrorAlert } from '../../components/messages';
import { PageSkeleton } from '../../components/skeleton';
import { useDocumentTitle } from '../../lib/navigation';
import { printable } from '../../lib/printable';
import { roleLabels } from './organization-roles';
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
export type OrganizationSection = 'members';

/** Who sees which section. */
export function sectionsFor(_organization: Organization): OrganizationSection[] {
  return ['members'];
}

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
    case 'members':
      return (
        <Link to="/orgs/$slug/members" params={{ slug }}>
          Members
        </Link>
      );
  }
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
