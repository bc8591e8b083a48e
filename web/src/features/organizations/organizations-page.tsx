import { useQuery } from '@tanstack/react-query';
import { Link } from '@tanstack/react-router';
import { ErrorAlert, Loading, StatusMessage } from '../../components/messages';
import { useDocumentTitle } from '../../lib/navigation';
import { printable } from '../../lib/printable';
import { useSignedInViewer } from '../../lib/viewer';
import { NewOrganizationForm } from './new-organization-form';
import { ORGANIZATION_PLAN, planLabel, roleLabels } from './organization-roles';
import { organizationsQuery } from './organizations.operations';
import './organizations.css';

/**
 * The viewer's organizations and the form that creates one (team plan). Other plans see why
 * there is no form, instead of a form that can only be refused. `left`: the organization the
 * viewer has just left, named once in a status message.
 */
export function OrganizationsPage({ left }: { left?: string | undefined }) {
  useDocumentTitle('Organizations');
  const viewer = useSignedInViewer();
  const query = useQuery(organizationsQuery);
  const organizations = query.data ?? [];
  return (
    <>
      <div className="page-head">
        <h1>Organizations</h1>
      </div>
      <p className="lead">
        An organization shares tokens among its members: owners and admins manage its members and its tokens,
        owners set its token policy.
      </p>
      {left ? <StatusMessage>You left {printable(left)}.</StatusMessage> : null}
      <section className="card" aria-labelledby="your-organizations">
        <h2 id="your-organizations">Your organizations</h2>
        {query.isPending ? <Loading label="Loading your organizations…" /> : null}
        <ErrorAlert message={query.error?.message} />
        {query.isSuccess && organizations.length === 0 ? (
          <p className="muted">You are not a member of any organization yet.</p>
        ) : null}
        {organizations.length > 0 ? (
          <ul className="org-list">
            {organizations.map((organization) => (
              <li key={organization.id}>
                <Link to="/orgs/$slug" params={{ slug: organization.slug }}>
                  {printable(organization.name)}
                </Link>{' '}
                <code className="muted">{organization.slug}</code>
                <span className="badge badge-inactive">{roleLabels[organization.viewerRole]}</span>
              </li>
            ))}
          </ul>
        ) : null}
      </section>
      <section className="card" aria-labelledby="new-organization-title" id="new-organization">
        <h2 id="new-organization-title">New organization</h2>
        {viewer.plan.toLowerCase() === ORGANIZATION_PLAN ? (
          <NewOrganizationForm />
        ) : (
          <div className="alert alert-warning">
            <p>
              <strong>Organizations need the {planLabel(ORGANIZATION_PLAN)} plan.</strong> This account is on
              the {planLabel(viewer.plan)} plan, so Keyward refuses to create an organization for it.
            </p>
            <p>
              Ask an administrator of this Keyward server to move your account to the{' '}
              {planLabel(ORGANIZATION_PLAN)} plan. You can still be added to other people’s organizations.
            </p>
          </div>
        )}
      </section>
    </>
  );
}
