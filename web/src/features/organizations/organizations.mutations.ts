import { type QueryClient, useMutation, useQueryClient } from '@tanstack/react-query';
import { useNavigate } from '@tanstack/react-router';
import { request } from '../../lib/graphql';
import { auditKeys } from '../audit/audit.operations';
import {
  type AddMemberInput,
  addMemberMutation,
  organizationKeys,
  type RemoveMemberInput,
  removeMemberMutation,
  type SetMemberRoleInput,
  setMemberRoleMutation,
} from './organizations.operations';

/**
 * A membership changed: the members list, the switcher and the viewer's own role (which a change
 * to their own membership alters) are loaded again, and so is the audit history.
 */
function membershipChanged(client: QueryClient): void {
  void client.invalidateQueries({ queryKey: organizationKeys.all });
  void client.invalidateQueries({ queryKey: auditKeys.all });
}

export function useAddMember() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (input: AddMemberInput) => request(addMemberMutation, { input }),
    onSuccess: () => membershipChanged(client),
  });
}

export function useSetMemberRole() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (input: SetMemberRoleInput) => request(setMemberRoleMutation, { input }),
    onSuccess: () => membershipChanged(client),
  });
}

/**
 * Removes a member, or with `leaving` the viewer themself: then the organization's pages are left
 * for the organizations page first, so they never show the organization as not found.
 */
export function useRemoveMember() {
  const client = useQueryClient();
  const navigate = useNavigate();
  return useMutation({
    mutationFn: ({ input }: { input: RemoveMemberInput; leaving?: { name: string } }) =>
      request(removeMemberMutation, { input }),
    onSuccess: async (_removed, { leaving }) => {
      if (leaving) await navigate({ to: '/orgs', search: { left: leaving.name } });
      membershipChanged(client);
    },
  });
}
