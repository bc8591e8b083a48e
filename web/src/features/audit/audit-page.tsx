import { useDocumentTitle } from '../../lib/navigation';
import { AuditList } from './audit-list';

export function AuditPage() {
  useDocumentTitle('Audit log');
  return (
    <>
      <div className="page-head">
        <h1>Audit log</h1>
      </div>
      <p className="lead">
        Everything that happened to your tokens and account, newest first: sign-ins (failed ones too),
        password and account changes, and token changes, with who did it, when and from where.
      </p>
      <AuditList caption="Audit events, newest first" emptyText="Nothing has happened yet." />
    </>
  );
}
