import { Link } from '@tanstack/react-router';
import type { AuditActor } from './audit.operations';

/** Who did something: "You", a link to the token that acted, someone not signed in, or the system. */
export function ActorLabel({ actor, viewerId }: { actor: AuditActor; viewerId: string }) {
  switch (actor.type) {
    case 'account':
      // No id: nobody was signed in (a failed login, a password-reset request).
      if (!actor.id) return <>Someone not signed in</>;
      return <>{actor.id === viewerId ? 'You' : (actor.name ?? 'Another account')}</>;
    case 'token':
      if (!actor.id) return <>{actor.name ? `Token ${actor.name}` : 'A token'}</>;
      return (
        <>
          Token{' '}
          <Link to="/tokens/$id" params={{ id: actor.id }}>
            {actor.name ?? actor.id}
          </Link>
        </>
      );
    case 'leak-report':
      return <>Leak report</>;
    case 'system':
      return <>Keyward</>;
    default:
      return <>{actor.name ?? actor.type}</>;
  }
}
