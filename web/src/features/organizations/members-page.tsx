import { useQuery } from '@tanstack/react-query';
import { useId, useRef, useState } from 'react';
import { ErrorAlert, StatusMessage } from '../../components/messages';
import { RelativeTime } from '../../components/relative-time';
import { PageSkeleton } from '../../components/skeleton';
import { useDocumentTitle } from '../../lib/navigation';
import { printable } from '../../lib/printable';
import { useSignedInViewer } from '../../lib/viewer';
import { AddMemberForm } from './add-member-form';
import { MemberRoleDialog } from './member-role-dialog';
import { useOrganization } from './organization-layout';
import { canManageMember, managesMembers, roleLabels } from './organization-roles';
import { type Member, membersQuery } from './organizations.operations';
import { RemoveMemberDialog } from './remove-member-dialog';

type Pending = { kind: 'role' | 'remove'; member: Member } | null;

/**
 * The organization's members and their roles. Owners and admins add members by email, change
 * roles and remove members (only owners touch owners); everyone can leave. The server decides
 * every change, the last owner included: its refusals are shown where the change was asked for.
 */
export function MembersPage() {
  const organization = useOrganization();
  useDocumentTitle(`Members · ${organization.name}`);
  const viewer = useSignedInViewer();
  const query = useQuery(membersQuery(organization.slug));
  const [pending, setPending] = useState<Pending>(null);
  const [done, setDone] = useState<string | null>(null);
  const headingRef = useRef<HTMLHeadingElement>(null);
  const manages = managesMembers(organization.viewerRole);
  const members = query.data ?? [];
  const owners = members.filter((member) => member.role === 'OWNER').length;

  const finish = (message: string) => {
    setPending(null);
    setDone(message);
    // The row's button may be gone (a removed member): start again from the heading.
    window.setTimeout(() => headingRef.current?.focus(), 0);
  };

  return (
    <>
      <h2 ref={headingRef} tabIndex={-1}>
        Members
      </h2>
      {done ? <StatusMessage>{done}</StatusMessage> : null}
      {manages ? <AddMemberForm onAdded={(message) => setDone(message)} /> : null}
      {query.isPending ? <PageSkeleton label="Loading members…" /> : null}
      <ErrorAlert message={query.error?.message} />
      {members.length > 0 ? (
        <>
          <p className="muted">
            {members.length} {members.length === 1 ? 'member' : 'members'}, {owners}{' '}
            {owners === 1 ? 'owner' : 'owners'}.
            {manages ? '' : ' Owners and admins add and remove members; you can see who belongs and leave.'}
          </p>
          <div className="table-wrap">
            <table className="table table-cards members-table">
              <caption className="visually-hidden">Members of {printable(organization.name)}</caption>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Email</th>
                  <th scope="col">Role</th>
                  <th scope="col">Joined</th>
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {members.map((member) => (
                  <MemberRow
                    key={member.account.id}
                    member={member}
                    self={member.account.id === viewer.id}
                    onChangeRole={() => setPending({ kind: 'role', member })}
                    onRemove={() => setPending({ kind: 'remove', member })}
                  />
                ))}
              </tbody>
            </table>
          </div>
        </>
      ) : null}
      {pending?.kind === 'role' ? (
        <MemberRoleDialog
          member={pending.member}
          self={pending.member.account.id === viewer.id}
          onCancel={() => setPending(null)}
          onSaved={finish}
        />
      ) : null}
      {pending?.kind === 'remove' ? (
        <RemoveMemberDialog
          member={pending.member}
          self={pending.member.account.id === viewer.id}
          onCancel={() => setPending(null)}
          onRemoved={finish}
        />
      ) : null}
    </>
  );
}

type MemberRowProps = {
  member: Member;
  self: boolean;
  onChangeRole: () => void;
  onRemove: () => void;
};

function MemberRow({ member, self, onChangeRole, onRemove }: MemberRowProps) {
  const organization = useOrganization();
  const nameId = useId();
  const actor = organization.viewerRole;
  const email = printable(member.account.email);
  // Anyone may leave; changing one's own role needs the role that change needs (the server says).
  const mayChange = self ? managesMembers(actor) : canManageMember(actor, member.role);
  const mayRemove = self || canManageMember(actor, member.role);
  return (
    <tr>
      <td data-label="Name">
        <span id={nameId}>{printable(member.account.name)}</span>
        {self ? <span className="badge badge-active current-badge">You</span> : null}
      </td>
      <td data-label="Email" className="cell-email">
        {email}
      </td>
      <td data-label="Role">{roleLabels[member.role]}</td>
      <td data-label="Joined">
        <RelativeTime value={member.createdAt} />
      </td>
      <td data-label="" className="cell-actions">
        <div className="button-row">
          {mayChange ? (
            <button
              type="button"
              className="button button-small"
              aria-label={`Change role of ${email}`}
              onClick={onChangeRole}
            >
              Change role
            </button>
          ) : null}
          {mayRemove ? (
            <button
              type="button"
              className="button button-small button-danger-outline"
              aria-label={self ? `Leave ${printable(organization.name)}` : `Remove ${email}`}
              onClick={onRemove}
            >
              {self ? 'Leave' : 'Remove'}
            </button>
          ) : null}
        </div>
      </td>
    </tr>
  );
}
