import type { DbTx, Prisma } from '../../db/client.ts';
import { isAdmin, type Actor } from '../access/index.ts';
import { NotFoundError } from '../errors.ts';
import { cutoffOf } from '../credits/rules.ts';
import { lockCoachCalendar } from '../scheduling/lock.ts';
import type { z } from 'zod';
import { pageArgs } from '../pagination.ts';
import type { listSessionsInput } from './inputs.ts';
import type { ScheduleParties, SessionRecord } from './rules.ts';

/** What every session read selects: the row, its parties, and its group conversation. */
export const sessionInclude = {
  member: { select: { userId: true, coachId: true, user: { select: { name: true } } } },
  coach: { select: { name: true, coachProfile: { select: { cancellationCutoffHours: true, lateCancelConsumes: true, requiresCredits: true } } } },
  groupConversation: { select: { id: true } },
  commitments: { select: { id: true, text: true, dueDate: true, doneAt: true }, orderBy: { position: 'asc' } },
  series: { select: { count: true } },
} satisfies Prisma.SessionInclude;

type SessionRow = Prisma.SessionGetPayload<{ include: typeof sessionInclude }>;

export function toRecord(row: SessionRow): SessionRecord {
  const { member, coach, groupConversation, commitments, series, seriesId, seriesPosition, ...s } = row;
  return {
    ...s,
    commitments: commitments.map((c) => ({ id: c.id, text: c.text, dueDate: c.dueDate ? c.dueDate.toISOString().slice(0, 10) : null, doneAt: c.doneAt })),
    memberUserId: member.userId,
    memberCoachId: member.coachId,
    memberName: member.user.name,
    coachName: coach.name,
    cancellation: {
      cutoffAt: cutoffOf(s.scheduledAt, coach.coachProfile?.cancellationCutoffHours ?? 24),
      consumesCredit: (coach.coachProfile?.requiresCredits ?? false) && (coach.coachProfile?.lateCancelConsumes ?? false),
    },
    groupConversationId: groupConversation?.id ?? null,
    series: series && seriesId && seriesPosition !== null ? { id: seriesId, position: seriesPosition, count: series.count } : null,
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

const soonestFirst = [{ scheduledAt: 'asc' }, { id: 'asc' }] satisfies Prisma.SessionOrderByWithRelationInput[];

/** A page of the sessions an actor may see, matching the filters, oldest first. */
export async function findSessions(tx: DbTx, actor: Actor, input: z.output<typeof listSessionsInput>): Promise<SessionRecord[]> {
  const scope = await sessionScope(tx, actor);
  const filters: Prisma.SessionWhereInput = {
    status: input.status,
    coachId: input.coachId,
    memberId: input.memberId,
    scheduledAt: { gte: input.from, lt: input.to },
  };
  const rows = await tx.session.findMany({ where: { AND: [scope, filters] }, include: sessionInclude, orderBy: soonestFirst, ...pageArgs(input) });
  return rows.map(toRecord);
}

/** The actor's scheduled sessions from `now` on, soonest first. */
export async function findUpcomingSessions(tx: DbTx, actor: Actor, now: Date, limit: number): Promise<SessionRecord[]> {
  const scope = await sessionScope(tx, actor);
  const rows = await tx.session.findMany({
    where: { AND: [scope, { status: 'scheduled', scheduledAt: { gte: now } }] },
    include: sessionInclude,
    orderBy: soonestFirst,
    take: limit,
  });
  return rows.map(toRecord);
}

/** The member and coach a new session names, as assertMaySchedule judges them. */
export async function loadScheduleParties(tx: DbTx, input: { memberId: string; coachId: string }): Promise<ScheduleParties> {
  const [member, coach] = await Promise.all([
    tx.memberProfile.findUnique({ where: { id: input.memberId }, select: { id: true, userId: true, coachId: true, user: { select: { isActive: true } } } }),
    tx.user.findUnique({ where: { id: input.coachId }, select: { id: true, role: true, isActive: true } }),
  ]);
  return { member: member && { id: member.id, userId: member.userId, coachId: member.coachId, isActive: member.user.isActive }, coach };
}
