import type { EntityManager } from '@mikro-orm/postgresql';
import type { DigestOwnerType } from './digest.entity.js';

/** The UTC day on the database's clock. */
const TODAY = "(now() at time zone 'utc')::date";

export interface DigestOwner {
  type: DigestOwnerType;
  id: string;
}

/**
 * Runs `compose` for one owner's daily digest of `kind` at most once per UTC day, in one
 * transaction with everything `compose` writes (the outbox mail, audit events, token changes).
 *
 * The `digest_sent` primary key is the guarantee: the claim row is inserted first, so a
 * concurrent run for the same owner (another instance, a second run) waits on it and then finds
 * it taken. When `compose` has nothing to say it returns false and the claim is deleted again in
 * the same transaction, so a later run that day may still send. Returns what `compose` returned,
 * or null when the digest was already sent today.
 */
export async function onceADay<T extends { sent: boolean }>(
  em: EntityManager,
  digest: { kind: string; owner: DigestOwner },
  compose: (tx: EntityManager) => Promise<T>,
): Promise<T | null> {
  return em.fork().transactional(async (tx) => {
    // now() is the transaction's start: the claim and its release name the same day.
    const claimed = await tx.execute<{ kind: string }[]>(
      `insert into digest_sent (kind, owner_type, owner_id, day) values (?, ?, ?, ${TODAY})
       on conflict do nothing returning kind`,
      [digest.kind, digest.owner.type, digest.owner.id],
    );
    if (claimed.length === 0) return null;
    const result = await compose(tx);
    if (!result.sent)
      await tx.execute(
        `delete from digest_sent where kind = ? and owner_type = ? and owner_id = ? and day = ${TODAY}`,
        [digest.kind, digest.owner.type, digest.owner.id],
      );
    return result;
  });
}
