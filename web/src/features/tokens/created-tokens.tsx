import { Link } from '@tanstack/react-router';
import { printable } from '../../lib/printable';
import { StatusBadge } from './status-badge';
import type { TokenDetail } from './tokens.operations';

/** The tokens a token created: deleting the token deletes these too (and what they created). */
export function CreatedTokens({ tokens }: { tokens: TokenDetail['children'] }) {
  if (tokens.length === 0) return <p className="muted">This token has not created any tokens.</p>;
  return (
    <>
      <ul className="created-tokens">
        {tokens.map((child) => (
          <li key={child.id}>
            <Link to="/tokens/$id" params={{ id: child.id }}>
              {printable(child.name)}
            </Link>{' '}
            <StatusBadge status={child.status} />
          </li>
        ))}
      </ul>
      <p className="note">Deleting this token also deletes every token it created, and theirs.</p>
    </>
  );
}
