import type { DbTx, Prisma } from '../../db/client.ts';
import { isAdmin, type Actor } from '../access/index.ts';
import { NotFoundError } from '../errors.ts';
import { lockCoachCalendar } from '../scheduling/lock.ts';
import type { SessionRecord } from './rules.ts';

/** What every session read selects: the row, its parties, and its group conversation. */
export const sessionInclude = {
  member: { select: { userId: true, coachId: true, user: { select: { name: true } } } },
  coach: { select: { name: true } },
  groupConversation: { select: { id: true } },
} satisfies Prisma.SessionInclude;

type SessionRow = Prisma.SessionGetPayload<{ include: typeof sessionInclude }>;

export function toRecord(row: SessionRow): SessionRecord {
  const { member, coach, groupConversation, ...s } = row;
  return {
    ...s,
    memberUserId: member.userId,
    memberCoachId: member.coachId,
    memberName: member.user.name,
    coachName: coach.name,
    groupConversationId: groupConversation?.id ?? null,
  };
}

export async function loadSession(tx: DbTx, id: string): Promise<SessionRecord> {
  const row = await tx.session.findUnique({ where: { id }, include: sessionInclude });
  if (!row) throw new NotFoundError('Session', id);
  return toRecord(row);
}

/** Re-reads the session under the coach lock, so a state check and its write cannot interleave. */
export async function lockedSession(tx: DbTx, s: SessionRecord): Promise<SessionRecord> {
  await lockCoachCalendar(tx, s.coachId);
  return loadSession(tx, s.id);
}

const NOTHING: Prisma.SessionWhereInput = { id: { in: [] } };

/**
 * The sessions an actor may list (Properties 51, 56): a member's own, a coach's own and their
 * members', everything for admins. A user with neither role's data sees nothing.
 */
export async function sessionScope(tx: DbTx, actor: Actor): Promise<Prisma.SessionWhereInput> {
  if (isAdmin(actor)) return {};
  if (actor.role === 'Coach') return { OR: [{ coachId: actor.userId }, { member: { coachId: actor.userId } }] };
  if (actor.role === 'Member') {
    const profile = await tx.memberProfile.findUnique({ where: { userId: actor.userId }, select: { id: true } });
    return profile ? { memberId: profile.id } : NOTHING;
  }
  return NOTHING;
}
