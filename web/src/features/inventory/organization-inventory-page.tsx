import { useInfiniteQuery } from '@tanstack/react-query';
import { useRef, useState } from 'react';
import { LoadMoreButton } from '../../components/load-more';
import { ErrorAlert, StatusMessage } from '../../components/messages';
import { PageSkeleton } from '../../components/skeleton';
import { useDocumentTitle } from '../../lib/navigation';
import { printable } from '../../lib/printable';
import { OwnersAndAdminsOnly, useOrganization } from '../organizations/organization-layout';
import { managesMembers } from '../organizations/organization-roles';
import { type InventoryToken, organizationInventoryQuery } from './inventory.operations';
import { InventoryTable } from './inventory-table';
import { RevokeInventoryTokenDialog } from './revoke-inventory-token-dialog';
import './inventory.css';

/**
 * Every token that reaches the organization: its own tokens and its members' personal tokens,
 * with whose each is and what its policy thinks of it. Owners and admins revoke any of them.
 */
export function OrganizationInventoryPage() {
  const organization = useOrganization();
  useDocumentTitle(`Inventory · ${organization.name}`);
  if (!managesMembers(organization.viewerRole)) return <OwnersAndAdminsOnly section="Inventory" />;
  return <Inventory slug={organization.slug} name={organization.name} />;
}

function Inventory({ slug, name }: { slug: string; name: string }) {
  const query = useInfiniteQuery(organizationInventoryQuery(slug));
  const tokens = query.data?.pages.flatMap((page) => page.edges.map((edge) => edge.node)) ?? [];
  const [revoking, setRevoking] = useState<InventoryToken | null>(null);
  const [revoked, setRevoked] = useState<string | null>(null);
  const headingRef = useRef<HTMLHeadingElement>(null);
  const outOfPolicy = tokens.filter((token) => token.outOfPolicy.length > 0).length;

  return (
    <>
      <h2 ref={headingRef} tabIndex={-1}>
        Inventory
      </h2>
      <p className="lead">
        The tokens of {printable(name)} and every member’s personal token that can reach it: whose each one
        is, what it may do, when it was last used and when it expires. Revoking a member’s personal token
        tells them by mail.
      </p>
      {revoked ? <StatusMessage>{revoked}</StatusMessage> : null}
      <ErrorAlert message={query.error?.message} />
      {query.isPending ? <PageSkeleton label="Loading the inventory…" /> : null}
      {query.isSuccess && tokens.length === 0 ? (
        <p className="no-results">No token reaches {printable(name)} yet.</p>
      ) : null}
      {tokens.length > 0 ? (
        <>
          <p className="muted">
            {tokens.length}
            {query.hasNextPage ? '+' : ''} {tokens.length === 1 ? 'token' : 'tokens'}
            {outOfPolicy > 0 ? `, ${outOfPolicy} out of policy` : ', all within policy'}.
          </p>
          <InventoryTable
            caption={`Tokens that reach ${printable(name)}`}
            tokens={tokens}
            onRevoke={(token) => {
              setRevoked(null);
              setRevoking(token);
            }}
          />
          {query.hasNextPage ? (
            <LoadMoreButton onClick={() => query.fetchNextPage()} loading={query.isFetchingNextPage} />
          ) : null}
        </>
      ) : null}
      {revoking ? (
        <RevokeInventoryTokenDialog
          token={revoking}
          as="organization"
          onCancel={() => setRevoking(null)}
          onRevoked={(message) => {
            setRevoking(null);
            setRevoked(message);
            window.setTimeout(() => headingRef.current?.focus(), 0);
          }}
        />
      ) : null}
    </>
  );
}
