import type { DbTx } from '../../db/client.ts';
import type { RoleName } from '../access/index.ts';
import { NotFoundError } from '../errors.ts';
import { parseInput } from '../validation.ts';
import { chatIdentityInput, linkChatIdentity, type ChatIdentityInput } from '../users/index.ts';

/** The user a chat identity is linked to, with what every chat screen needs to address them. */
export interface ChatAccount {
  userId: string;
  name: string;
  role: RoleName;
  isActive: boolean;
  /** IANA zone the user sees times in. */
  timezone: string;
  /** Member profile id, for members. */
  memberId: string | null;
  /** The member's assigned coach (user id), for members. */
  coachId: string | null;
}

export type ChatKey = Pick<ChatIdentityInput, 'platform' | 'scope' | 'platformUserId'>;

/** The account linked to a chat identity, or null for someone who has not signed up. */
export async function findChatAccount(db: DbTx, raw: ChatKey): Promise<ChatAccount | null> {
  const key = parseInput(chatIdentityInput.pick({ platform: true, scope: true, platformUserId: true }), raw);
  const identity = await db.chatIdentity.findUnique({
    where: { platform_scope_platformUserId: key },
    select: { user: { select: accountSelect } },
  });
  return identity ? toAccount(identity.user) : null;
}

const accountSelect = {
  id: true, name: true, role: true, isActive: true, timezone: true, memberProfile: { select: { id: true, coachId: true } },
} as const;

/** The account of a user, as a chat screen addresses them (for redrawing a message kept current). */
export async function findAccountByUser(db: DbTx, userId: string): Promise<ChatAccount | null> {
  const user = await db.user.findUnique({ where: { id: userId }, select: accountSelect });
  return user ? toAccount(user) : null;
}

function toAccount(user: { id: string; name: string; role: RoleName; isActive: boolean; timezone: string; memberProfile: { id: string; coachId: string | null } | null }): ChatAccount {
  return {
    userId: user.id,
    name: user.name,
    role: user.role,
    isActive: user.isActive,
    timezone: user.timezone,
    memberId: user.memberProfile?.id ?? null,
    coachId: user.memberProfile?.coachId ?? null,
  };
}

/** Where a user can be reached: every chat identity linked to them, oldest first. */
export async function chatIdentitiesOf(db: DbTx, userId: string) {
  return db.chatIdentity.findMany({
    where: { userId },
    select: { platform: true, scope: true, platformUserId: true, dmChannelId: true },
    orderBy: { createdAt: 'asc' },
  });
}

/**
 * Links a chat identity to an existing user, or answers the link that is already there. For local
 * tools that act as a seeded user (the web playground); never reachable from a chat platform.
 */
export async function ensureChatLink(db: DbTx, userId: string, raw: ChatIdentityInput): Promise<void> {
  const identity = parseInput(chatIdentityInput, raw);
  const user = await db.user.findUnique({ where: { id: userId }, select: { id: true } });
  if (!user) throw new NotFoundError('User', userId);
  const existing = await db.chatIdentity.findUnique({
    where: { platform_scope_platformUserId: { platform: identity.platform, scope: identity.scope, platformUserId: identity.platformUserId } },
  });
  if (existing) return;
  await linkChatIdentity(db, userId, identity);
}

/**
 * The user wrote from this chat account: it becomes the one last used (where notices go unless
 * they chose a platform), and reachable again if delivery there had failed for good.
 */
export async function touchChatIdentity(db: DbTx, raw: ChatKey, now: Date): Promise<void> {
  const key = parseInput(chatIdentityInput.pick({ platform: true, scope: true, platformUserId: true }), raw);
  await db.chatIdentity.updateMany({
    where: { ...key, OR: [{ lastUsedAt: null }, { lastUsedAt: { lt: now } }, { unreachableAt: { not: null } }] },
    data: { lastUsedAt: now, unreachableAt: null, unreachableReason: null, unreachableTold: false },
  });
}
