import { z } from 'zod';
import type { Db, DbTx } from '../../db/client.ts';
import { requireAdmin, type Actor } from '../access/index.ts';
import type { Clock } from '../clock.ts';
import { findAccountByUser, type ChatAccount, type ChatKey } from '../chat/identity.ts';
import { noticeTarget } from '../notifications/routing.ts';
import { ConflictError, NotFoundError, UnavailableError, UnprocessableError, ValidationError } from '../errors.ts';
import { chatIdentityInput, findUserByRef, isUniqueViolation, linkChatIdentity, type ChatIdentityInput } from '../users/index.ts';
import { id, parseInput, singleLine } from '../validation.ts';
import {
  ACCOUNT_WINDOW_MS,
  CODE_TTL_MS,
  displayLinkCode,
  generateLinkCode,
  GUESSES_OVERALL,
  GUESSES_PER_ACCOUNT,
  hashLinkCode,
  normalizeLinkCode,
  OVERALL_WINDOW_MS,
} from './rules.ts';

/** A code just issued: the only moment it exists outside its holder's hands. */
export interface IssuedLinkCode {
  /** As the person types it after `/link`, e.g. `ABCD-2345`. */
  code: string;
  userId: string;
  expiresAt: Date;
}

/** A chat account linked to a user, as the API lists it. */
export interface ChatIdentityView {
  id: string;
  platform: ChatIdentityInput['platform'];
  scope: string;
  platformUserId: string;
  createdAt: Date;
}

/** A linked chat account with where notices stand on it (docs/design.md §10). */
export interface ChatIdentityStatus extends ChatIdentityView {
  lastUsedAt: Date | null;
  /** When delivery here failed for good (blocked, uninstalled, closed); null: reachable. */
  unreachableAt: Date | null;
  unreachableReason: string | null;
  /** Whether notices go here now: the first reachable one on the user's route (noticeRoute). */
  receivesNotices: boolean;
}

/** What a successful `/link` did. */
export interface LinkResult {
  account: ChatAccount;
  /** The chat account was already this user's: nothing changed and the code is still unused. */
  alreadyLinked: boolean;
  /** The user's earlier account on the same platform was unlinked in favour of this one. */
  replacedEarlier: boolean;
}

/** Expired and used codes stay this long, so a late `/link` hears "expired" rather than "wrong". */
const KEEP_SPENT_CODES_MS = 24 * 60 * 60_000;

const IDENTITY_VIEW = { id: true, platform: true, scope: true, platformUserId: true, createdAt: true } as const;

type Attempt =
  | { type: 'linked'; userId: string; alreadyLinked: boolean; replacedEarlier: boolean }
  | { type: 'refused'; error: Error };

/**
 * Ties chat accounts to users who already exist (coaches and admins created through the API, or a
 * member moving to another platform). A code is issued to a user (by an admin, or by themself),
 * and whoever sends it from a chat account links that account to the user, once.
 */
export function createLinkService({ db, clock }: { db: Db; clock: Clock }) {
  function parseUserId(userId: string): string {
    return parseInput(z.object({ userId: id }), { userId }).userId;
  }

  /** Admins act for anyone, everyone else for themself. */
  function requireSelfOrAdmin(actor: Actor, userId: string): void {
    if (userId !== actor.userId) requireAdmin(actor);
  }

  async function issueFor(userId: string, issuedById: string | null): Promise<IssuedLinkCode> {
    const user = await db.user.findUnique({ where: { id: userId }, select: { isActive: true } });
    if (!user) throw new NotFoundError('User', userId);
    if (!user.isActive) throw new UnprocessableError('user_inactive', 'A deactivated user cannot be given a link code');
    const now = clock.now();
    const expiresAt = new Date(now.getTime() + CODE_TTL_MS);
    try {
      const code = await db.$transaction(async (tx) => {
        // One live code per user: a new one retires the earlier ones, which keeps the codes a guess can
        // hit few. The user's row is locked so two requests at once cannot both leave theirs live.
        await tx.$executeRaw`SELECT 1 FROM users WHERE id = ${userId} FOR UPDATE`;
        await tx.linkCode.updateMany({ where: { userId, usedAt: null, expiresAt: { gt: now } }, data: { expiresAt: now } });
        await tx.linkCode.deleteMany({ where: { expiresAt: { lt: new Date(now.getTime() - KEEP_SPENT_CODES_MS) } } });
        const fresh = await unusedCode(tx);
        await tx.linkCode.create({ data: { userId, codeHash: hashLinkCode(fresh), issuedById, expiresAt, createdAt: now } });
        return fresh;
      });
      return { code: displayLinkCode(code), userId, expiresAt };
    } catch (error) {
      // Two processes drew the same code at the same moment: vanishingly rare, and safe to retry.
      if (isUniqueViolation(error)) throw new ConflictError('link_code_clash', 'Please ask for the link code again');
      throw error;
    }
  }

  /** The seconds until a chat account may guess again, or 0 while it has tries left (both windows). */
  async function throttledFor(tx: DbTx, who: ChatKey, now: Date): Promise<number> {
    const windows = [
      { where: { platform: who.platform, scope: who.scope, platformUserId: who.platformUserId }, windowMs: ACCOUNT_WINDOW_MS, limit: GUESSES_PER_ACCOUNT },
      { where: {}, windowMs: OVERALL_WINDOW_MS, limit: GUESSES_OVERALL },
    ];
    let waitMs = 0;
    for (const w of windows) {
      const since = new Date(now.getTime() - w.windowMs);
      // The oldest wrong try still counted is the one whose leaving frees a try again.
      const counted = await tx.linkGuess.findMany({ where: { ...w.where, at: { gt: since } }, orderBy: { at: 'desc' }, take: w.limit, select: { at: true } });
      if (counted.length >= w.limit) waitMs = Math.max(waitMs, counted.at(-1)!.at.getTime() + w.windowMs - now.getTime());
    }
    return Math.ceil(waitMs / 1000);
  }

  /** Everything after a right code: refuse what must not happen, else spend the code and link. */
  async function linkWith(tx: DbTx, who: ChatIdentityInput, row: { id: string; userId: string; user: { isActive: boolean } }, now: Date): Promise<Attempt> {
    const current = await tx.chatIdentity.findUnique({
      where: { platform_scope_platformUserId: { platform: who.platform, scope: who.scope, platformUserId: who.platformUserId } },
      select: { userId: true },
    });
    if (current?.userId === row.userId) return { type: 'linked', userId: row.userId, alreadyLinked: true, replacedEarlier: false };
    if (current) {
      return { type: 'refused', error: new ConflictError('chat_account_linked_elsewhere', 'This chat account is linked to another user; unlink it first') };
    }
    if (!row.user.isActive) return { type: 'refused', error: new UnprocessableError('user_inactive', 'The account this code is for is deactivated') };
    // Conditional, so that of two tries with one code exactly one spends it, whatever else runs.
    const spent = await tx.linkCode.updateMany({ where: { id: row.id, usedAt: null, expiresAt: { gt: now } }, data: { usedAt: now } });
    if (spent.count === 0) return { type: 'refused', error: codeError('link_code_used') };
    const earlier = await tx.chatIdentity.findMany({ where: { userId: row.userId, platform: who.platform }, select: FORGET_SELECT });
    for (const identity of earlier) await forgetIdentity(tx, identity);
    await linkChatIdentity(tx, row.userId, who);
    return { type: 'linked', userId: row.userId, alreadyLinked: false, replacedEarlier: earlier.length > 0 };
  }

  async function attempt(who: ChatIdentityInput, code: string): Promise<Attempt> {
    return db.$transaction(async (tx) => {
      // Every try takes its turn, so no two tries read the same count of earlier wrong ones.
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended('coachbot:link-guesses', 0))`;
      const now = clock.now();
      const waitSeconds = await throttledFor(tx, who, now);
      if (waitSeconds > 0) return { type: 'refused', error: throttledError(waitSeconds) };
      const row = await tx.linkCode.findUnique({ where: { codeHash: hashLinkCode(code) }, select: { id: true, userId: true, usedAt: true, expiresAt: true, user: { select: { isActive: true } } } });
      const miss = !row ? 'link_code_unknown' : row.usedAt ? 'link_code_used' : row.expiresAt.getTime() <= now.getTime() ? 'link_code_expired' : null;
      if (miss || !row) {
        await tx.linkGuess.deleteMany({ where: { at: { lte: new Date(now.getTime() - Math.max(ACCOUNT_WINDOW_MS, OVERALL_WINDOW_MS)) } } });
        await tx.linkGuess.create({ data: { platform: who.platform, scope: who.scope, platformUserId: who.platformUserId, at: now } });
        return { type: 'refused', error: codeError(miss ?? 'link_code_unknown') };
      }
      return linkWith(tx, who, row, now);
    });
  }

  return {
    /** A code for the caller, or (admin) for anyone. */
    async issue(actor: Actor, userId: string): Promise<IssuedLinkCode> {
      const target = parseUserId(userId);
      requireSelfOrAdmin(actor, target);
      return issueFor(target, actor.userId);
    },

    /** Operator path (CLI): the user by email or id; whoever runs it already holds the database. */
    async issueAsOperator(userRef: unknown): Promise<IssuedLinkCode> {
      const { user } = parseInput(z.object({ user: singleLine(320) }), { user: userRef });
      return issueFor(await findUserByRef(db, user), null);
    },

    /**
     * `/link <code>` from a chat account. A wrong, used or expired code changes nothing but counts
     * as a wrong try; past the throttles' limits the code is not even looked at.
     */
    async redeem(rawWho: ChatIdentityInput, typed: unknown): Promise<LinkResult> {
      const who = parseInput(chatIdentityInput, rawWho);
      const code = typeof typed === 'string' ? normalizeLinkCode(typed) : null;
      if (!code) throw new ValidationError('link_code_malformed', `code: ${MALFORMED}`, [{ field: 'code', message: MALFORMED }]);
      // Refusals are answered after the transaction commits, so a wrong try is remembered.
      const outcome = await attempt(who, code);
      if (outcome.type === 'refused') throw outcome.error;
      const account = await findAccountByUser(db, outcome.userId);
      if (!account) throw new NotFoundError('User', outcome.userId);
      return { account, alreadyLinked: outcome.alreadyLinked, replacedEarlier: outcome.replacedEarlier };
    },

    /** The chat accounts linked to a user: their own, or anyone's for an admin. */
    async listIdentities(actor: Actor, userId: string): Promise<ChatIdentityStatus[]> {
      const target = parseUserId(userId);
      requireSelfOrAdmin(actor, target);
      const user = await db.user.findUnique({ where: { id: target }, select: { id: true, preferredPlatform: true } });
      if (!user) throw new NotFoundError('User', target);
      const rows = await db.chatIdentity.findMany({
        where: { userId: target },
        select: { ...IDENTITY_VIEW, lastUsedAt: true, unreachableAt: true, unreachableReason: true },
        orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
      });
      const target_ = noticeTarget(rows, user.preferredPlatform);
      return rows.map((r) => ({ ...r, receivesNotices: r.id === target_?.id }));
    },

    /** Unlinks one of a user's chat accounts; another user's identity is a 404, so ids cannot be probed. */
    async removeIdentity(actor: Actor, userId: string, identityId: string): Promise<ChatIdentityView> {
      const ids = parseInput(z.object({ userId: id, identityId: id }), { userId, identityId });
      requireSelfOrAdmin(actor, ids.userId);
      return db.$transaction(async (tx) => {
        const identity = await tx.chatIdentity.findUnique({ where: { id: ids.identityId }, select: { ...IDENTITY_VIEW, ...FORGET_SELECT } });
        if (!identity || identity.userId !== ids.userId) throw new NotFoundError('Chat identity', ids.identityId);
        await forgetIdentity(tx, identity);
        await dropStalePreference(tx, identity.userId);
        return { id: identity.id, platform: identity.platform, scope: identity.scope, platformUserId: identity.platformUserId, createdAt: identity.createdAt };
      });
    },

    /** The link of the chat account talking, whose id an `/unlink` confirmation carries; null when it has none. */
    async getIdentity(rawWho: ChatKey): Promise<{ id: string; userId: string } | null> {
      const who = parseInput(chatKeyInput, rawWho);
      return db.chatIdentity.findUnique({ where: { platform_scope_platformUserId: who }, select: { id: true, userId: true } });
    },

    /**
     * `/unlink` confirmed: the chat account talking forgets its user, if it is still the link the
     * confirmation was drawn for (not one made since); null when there is nothing of that to forget.
     */
    async unlink(rawWho: ChatKey, identityId: string): Promise<{ userId: string } | null> {
      const who = parseInput(chatKeyInput, rawWho);
      return db.$transaction(async (tx) => {
        const identity = await tx.chatIdentity.findUnique({ where: { platform_scope_platformUserId: who }, select: FORGET_SELECT });
        if (identity?.id !== identityId) return null;
        await forgetIdentity(tx, identity);
        await dropStalePreference(tx, identity.userId);
        return { userId: identity.userId };
      });
    },
  };
}

/** A code no stored row has: a clash is one in a trillion, but an answer must never be two users' code. */
async function unusedCode(tx: DbTx): Promise<string> {
  for (;;) {
    const code = generateLinkCode();
    if (!(await tx.linkCode.findUnique({ where: { codeHash: hashLinkCode(code) }, select: { id: true } }))) return code;
  }
}

const chatKeyInput = chatIdentityInput.pick({ platform: true, scope: true, platformUserId: true });

const FORGET_SELECT = { id: true, userId: true, platform: true, scope: true, platformUserId: true } as const;

/**
 * A chat account stops being its user's: the link goes, and so do the conversation state it left
 * (a half-filled form) and the user's messages kept current on that platform, so nothing of the
 * user's is drawn there again. Messages already on screen stay as they are; their buttons were
 * signed for the user and no longer work for the chat account.
 */
async function forgetIdentity(tx: DbTx, identity: { id: string; userId: string } & ChatKey): Promise<void> {
  await tx.chatIdentity.deleteMany({ where: { id: identity.id } });
  await tx.chatState.deleteMany({ where: { platform: identity.platform, scope: identity.scope, platformUserId: identity.platformUserId } });
  await tx.chatLiveMessage.deleteMany({ where: { viewerId: identity.userId, platform: identity.platform } });
}

/**
 * Unlinking the last account on the preferred platform drops the preference, so notices move to
 * the next linked platform (the one last used) and a preference always names a linked platform.
 */
async function dropStalePreference(tx: DbTx, userId: string): Promise<void> {
  await tx.$executeRaw`UPDATE "users" u SET "preferredPlatform" = NULL
    WHERE u."id" = ${userId} AND u."preferredPlatform" IS NOT NULL
      AND NOT EXISTS (SELECT 1 FROM "chat_identities" i WHERE i."userId" = u."id" AND i."platform" = u."preferredPlatform")`;
}

const MALFORMED = 'must be the 8 letters and digits of a link code, like ABCD-2345';

const CODE_MESSAGES = {
  link_code_unknown: 'This link code is not valid',
  link_code_used: 'This link code was already used',
  link_code_expired: 'This link code has expired or was replaced by a newer one',
} as const;

function codeError(code: keyof typeof CODE_MESSAGES): UnprocessableError {
  return new UnprocessableError(code, CODE_MESSAGES[code]);
}

function throttledError(seconds: number): UnavailableError {
  return new UnavailableError('link_throttled', `Too many wrong link codes; try again in ${seconds} s`, seconds);
}

export type LinkService = ReturnType<typeof createLinkService>;
