import type { DbTx } from '../../db/client.ts';
import { ensureDirectConversation } from '../conversations/index.ts';
import { ConflictError, NotFoundError, UnprocessableError } from '../errors.ts';
import { writeNotifications } from '../notifications/index.ts';

// Coach capacity (Property 8) holds across processes because every change that can add an active
// member to a coach takes that coach's coach_profiles row lock first and counts after it. Locks are
// always taken member row first, coach row second, so no two paths can deadlock.

export interface LockedMember {
  id: string;
  userId: string;
  name: string;
  coachId: string | null;
  membershipStatus: 'active' | 'inactive' | 'paused';
  updatedAt: Date;
  user: { id: string; name: string; email: string | null; timezone: string; locale: string; isActive: boolean };
}

type LockedMemberRow = Omit<LockedMember, 'user'> & { email: string | null; timezone: string; locale: string; isActive: boolean };

/** Loads and row-locks a member profile (with its account) until the transaction ends; null when there is none. */
export async function lockMember(tx: DbTx, memberId: string): Promise<LockedMember | null> {
  const rows = await tx.$queryRaw<LockedMemberRow[]>`
    SELECT m."id", m."userId", m."coachId", m."membershipStatus"::text AS "membershipStatus", m."updatedAt",
           u."name", u."email", u."timezone", u."locale", u."isActive"
    FROM "member_profiles" m JOIN "users" u ON u."id" = m."userId"
    WHERE m."id" = ${memberId}
    FOR UPDATE OF m`;
  const row = rows[0];
  if (!row) return null;
  const { email, timezone, locale, isActive, ...member } = row;
  return { ...member, user: { id: row.userId, name: row.name, email, timezone, locale, isActive } };
}

export interface LockedCoach {
  userId: string;
  name: string;
  maxMembers: number;
  isAcceptingMembers: boolean;
  activeMembers: number;
}

/**
 * Row-locks a coach's profile and counts its active members. The count is a statement of its own:
 * in READ COMMITTED a subquery of the locking statement would still see the snapshot from before
 * the wait, i.e. miss the member a concurrent assignment just committed.
 */
export async function lockCoach(tx: DbTx, coachUserId: string): Promise<LockedCoach> {
  const rows = await tx.$queryRaw<{ name: string; maxMembers: number; isAcceptingMembers: boolean; role: string; isActive: boolean }[]>`
    SELECT u."name", cp."maxMembers", cp."isAcceptingMembers", u."role"::text AS "role", u."isActive"
    FROM "coach_profiles" cp JOIN "users" u ON u."id" = cp."userId"
    WHERE cp."userId" = ${coachUserId}
    FOR UPDATE OF cp`;
  const coach = rows[0];
  if (!coach) {
    const user = await tx.user.findUnique({ where: { id: coachUserId }, select: { id: true } });
    if (!user) throw new NotFoundError('Coach', coachUserId);
    throw new UnprocessableError('not_a_coach', 'This user is not a coach');
  }
  if (coach.role !== 'Coach') throw new UnprocessableError('not_a_coach', 'This user is not a coach');
  if (!coach.isActive) throw new UnprocessableError('coach_inactive', 'This coach account is deactivated');
  const activeMembers = await tx.memberProfile.count({ where: { coachId: coachUserId, membershipStatus: 'active' } });
  return { userId: coachUserId, name: coach.name, maxMembers: coach.maxMembers, isAcceptingMembers: coach.isAcceptingMembers, activeMembers };
}

export function requireRoom(coach: LockedCoach): void {
  if (coach.activeMembers >= coach.maxMembers) {
    throw new ConflictError('coach_full', 'This coach has no room for new members', {
      maxMembers: coach.maxMembers,
      activeMembers: coach.activeMembers,
    });
  }
}

/** Locks the coach and checks it takes a new member: accepting (422) and under capacity (409). */
export async function admitToCoach(tx: DbTx, coachUserId: string): Promise<LockedCoach> {
  const coach = await lockCoach(tx, coachUserId);
  if (!coach.isAcceptingMembers) throw new UnprocessableError('coach_not_accepting', 'This coach is not accepting new members');
  requireRoom(coach);
  return coach;
}

export interface Assignment {
  memberId: string;
  memberUserId: string;
  memberName: string;
  coachUserId: string;
  previousCoachId: string | null;
  /** The member profile version the assignment changed, so a replay of it notifies once. */
  version: Date;
}

/** What follows an assignment (Properties 5, 50): the direct conversation and the coach's notice. */
export async function announceAssignment(tx: DbTx, a: Assignment, now: Date): Promise<string> {
  const conversationId = await ensureDirectConversation(tx, a.coachUserId, a.memberUserId, now);
  await writeNotifications(tx, [
    {
      userId: a.coachUserId,
      type: 'member.assigned',
      payload: {
        memberId: a.memberId,
        memberUserId: a.memberUserId,
        memberName: a.memberName,
        previousCoachId: a.previousCoachId,
        conversationId,
      },
      dedupeKey: `member.assigned:${a.memberId}:${a.coachUserId}:${a.version.getTime()}`,
    },
  ]);
  return conversationId;
}
