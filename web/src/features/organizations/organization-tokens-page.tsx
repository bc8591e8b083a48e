import type { TokenListSearch } from '../tokens/token-list-search';
import { TokensPage } from '../tokens/tokens-page';
import { OwnersAndAdminsOnly, useOrganization } from './organization-layout';
import { managesMembers } from './organization-roles';

type OrganizationTokensPageProps = {
  search: TokenListSearch;
  onSearchChange: (change: Partial<TokenListSearch>, options: { replace?: boolean }) => void;
};

/** The organization's own tokens, in the personal list's components; owners and admins only. */
export function OrganizationTokensPage({ search, onSearchChange }: OrganizationTokensPageProps) {
  const organization = useOrganization();
  if (!managesMembers(organization.viewerRole)) return <OwnersAndAdminsOnly section="Tokens" />;
  return <TokensPage organization={organization} search={search} onSearchChange={onSearchChange} />;
}
