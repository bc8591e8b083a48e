import type { EntityManager } from '@mikro-orm/postgresql';
import { Account } from '../accounts/accounts.entity.js';
import { recordAudit } from '../audit/audit.service.js';
import type { Caller } from '../caller.js';
import { randomOpaqueToken, sha256Hex } from '../crypto.js';
import { KeywardError } from '../errors.js';
import { Session } from './sessions.entity.js';

export interface SessionPolicy {
  idleHours: number;
  absoluteDays: number;
}

/** A web session as its owner sees it in a list: a public id derived from the stored hash, never the hash. */
export interface SessionSummary {
  id: string;
  current: boolean;
  createdAt: Date;
  lastSeenAt: Date;
  expiresAt: Date;
  ip: string | null;
  userAgent: string | null;
}

/** The public id of a session: one more hash away from the cookie value than the stored key. */
const publicSessionId = (idHash: string): string => sha256Hex(`session:${idHash}`);

export interface ResolvedSession {
  session: Session;
  account: Account;
}

const HOUR = 3_600_000;
/** Refresh last_seen_at at most this often, so reads do not turn every request into a write. */
const TOUCH_INTERVAL_MS = 60_000;

/** Sessions are stored by the SHA-256 of the cookie value; the value itself is never stored. */
export class SessionsService {
  constructor(private readonly policy: SessionPolicy) {}

  /** Starts a session with a fresh random id (a new id at every login defeats session fixation). */
  async create(
    em: EntityManager,
    accountId: string,
    meta: { ip: string | null; userAgent: string | null },
  ): Promise<string> {
    const cookieValue = randomOpaqueToken();
    const now = Date.now();
    const session = Object.assign(new Session(), {
      idHash: sha256Hex(cookieValue),
      account: accountId,
      createdAt: new Date(now),
      lastSeenAt: new Date(now),
      expiresAt: new Date(now + this.policy.absoluteDays * 24 * HOUR),
      ip: meta.ip,
      userAgent: meta.userAgent?.slice(0, 500) ?? null,
    });
    await em.persist(session).flush();
    return cookieValue;
  }

  /** The live session for a cookie value, or null when unknown, idle too long or past its absolute expiry. */
  async resolve(em: EntityManager, cookieValue: string): Promise<ResolvedSession | null> {
    if (cookieValue.length === 0 || cookieValue.length > 128) return null;
    const session = await em.findOne(Session, { idHash: sha256Hex(cookieValue) });
    if (!session) return null;
    const now = Date.now();
    const idleDeadline = session.lastSeenAt.getTime() + this.policy.idleHours * HOUR;
    if (session.expiresAt.getTime() <= now || idleDeadline <= now) {
      await em.nativeDelete(Session, { idHash: session.idHash });
      return null;
    }
    const account = await em.findOne(Account, { id: session.account });
    if (!account) return null;
    if (now - session.lastSeenAt.getTime() > TOUCH_INTERVAL_MS) {
      await em.nativeUpdate(Session, { idHash: session.idHash }, { lastSeenAt: new Date(now) });
    }
    return { session, account };
  }

  async destroy(em: EntityManager, idHash: string): Promise<void> {
    await em.nativeDelete(Session, { idHash });
  }

  /** Ends the caller's own web session (nothing for other callers), audited as session.logout. */
  async logOut(em: EntityManager, caller: Caller): Promise<void> {
    const { principal } = caller;
    if (principal.kind !== 'session') return;
    await em.transactional(async (tx) => {
      await tx.nativeDelete(Session, { idHash: principal.sessionHash });
      const accountId = principal.account.id;
      const actor = { type: 'account' as const, id: accountId };
      recordAudit(tx, { action: 'session.logout', actor, accountId, targetId: accountId, meta: caller.meta });
    });
  }

  /** The caller's own live web sessions, most recently used first. */
  async listOwn(em: EntityManager, caller: Caller): Promise<SessionSummary[]> {
    const { principal } = caller;
    if (principal.kind !== 'session') return [];
    const sessions = await em.find(
      Session,
      { account: principal.account.id, expiresAt: { $gt: new Date() } },
      { orderBy: { lastSeenAt: 'desc' } },
    );
    return sessions.map((session) => ({
      id: publicSessionId(session.idHash),
      current: session.idHash === principal.sessionHash,
      createdAt: session.createdAt,
      lastSeenAt: session.lastSeenAt,
      expiresAt: session.expiresAt,
      ip: session.ip,
      userAgent: session.userAgent,
    }));
  }

  /** Ends one of the caller's own web sessions, audited as session.end; anything else is not_found. */
  async endOwn(em: EntityManager, caller: Caller, id: string): Promise<void> {
    const { principal } = caller;
    if (principal.kind !== 'session') throw new KeywardError('not_found', 'No session with that id.');
    const accountId = principal.account.id;
    const sessions = await em.find(Session, { account: accountId });
    const target = sessions.find((session) => publicSessionId(session.idHash) === id);
    if (!target) throw new KeywardError('not_found', 'No session with that id.');
    await em.transactional(async (tx) => {
      await tx.nativeDelete(Session, { idHash: target.idHash });
      const actor = { type: 'account' as const, id: accountId };
      recordAudit(tx, { action: 'session.end', actor, accountId, targetId: accountId, meta: caller.meta });
    });
  }

  /** Ends every web session of the account except `keepHash` (the caller's own, after a password change). */
  async destroyOthers(em: EntityManager, accountId: string, keepHash: string): Promise<void> {
    await em.nativeDelete(Session, { account: accountId, idHash: { $ne: keepHash } });
  }

  async destroyAllForAccount(em: EntityManager, accountId: string): Promise<void> {
    await em.nativeDelete(Session, { account: accountId });
  }
}
