import { z } from 'zod';
import { isAdmin, requirePermission, type Actor } from '../access/index.ts';
import { ForbiddenError, NotFoundError, ValidationError } from '../errors.ts';
import type { CoreDeps } from '../deps.ts';
import { coachRatingSummary, sessionInclude, toRecord, viewSession, type SessionView } from '../sessions/index.ts';
import { id, parseInput } from '../validation.ts';
import { contains, dayWindow, isoWeekWindow } from './windows.ts';

/** How many upcoming sessions the member dashboard lists (Property 37). */
export const MEMBER_UPCOMING_COUNT = 3;
/** How many upcoming sessions the coach dashboard lists after today's. */
export const COACH_UPCOMING_COUNT = 5;

export interface MemberDashboard {
  memberId: string;
  /** The earliest upcoming scheduled session (Property 36). */
  nextSession: SessionView | null;
  /** The next three scheduled sessions, soonest first, the next session included (Property 37). */
  upcomingSessions: SessionView[];
  /** The member's late cancellations and no-shows with their coach, last 90 days; null without a coach. */
  attendance: AttendanceRates | null;
}

export interface CoachDashboard {
  coachId: string;
  /** The coach's zone: "today" and "this week" are the coach's, not the server's. */
  timezone: string;
  /** Today's sessions in the coach's time zone, cancelled ones left out (Property 38). */
  todaysSessions: SessionView[];
  /** This ISO week's (Monday to Sunday) sessions in the coach's time zone (Property 39). */
  weekSessions: SessionView[];
  upcomingSessions: SessionView[];
  /** Members assigned to the coach with membershipStatus "active" (Property 40). */
  activeMemberCount: number;
  /** Mean rating of the coach's completed sessions (Property 44), null before the first rating. */
  averageRating: number | null;
  ratingCount: number;
  /** Late cancellations and no-shows of the last 90 days, over all the coach's members. */
  attendance: AttendanceRates;
}

/** How far back the late-cancellation and no-show rates look (docs/design.md §12). */
export const ATTENDANCE_DAYS = 90;

/** Late cancellations and no-shows among the sessions that were to start in the last 90 days. */
export interface AttendanceRates {
  since: Date;
  /** Sessions scheduled from `since` until now, whatever became of them. */
  sessions: number;
  /** Of them, cancelled by the member within the coach's cut-off. */
  lateCancellations: number;
  /** Of them, the member did not turn up. */
  noShows: number;
  /** lateCancellations / sessions; null without sessions. */
  lateCancellationRate: number | null;
  noShowRate: number | null;
}

const optionalId = z.object({ id: id.optional() });

export function createDashboardsService({ db, clock }: Pick<CoreDeps, 'db' | 'clock'>) {
  async function memberFor(actor: Actor, memberId: string | undefined) {
    if (memberId === undefined) {
      const own = await db.memberProfile.findUnique({ where: { userId: actor.userId }, select: { id: true, userId: true, coachId: true } });
      if (!own) throw ValidationError.field('memberId', 'is required for a user without a member profile');
      return own;
    }
    const member = await db.memberProfile.findUnique({ where: { id: memberId }, select: { id: true, userId: true, coachId: true } });
    if (!member) throw new NotFoundError('Member', memberId);
    const allowed = isAdmin(actor) || member.userId === actor.userId || (actor.role === 'Coach' && member.coachId === actor.userId);
    if (!allowed) throw new ForbiddenError('not_your_member', "You cannot see this member's dashboard");
    return member;
  }

  async function attendance(where: { coachId: string; memberId?: string }): Promise<AttendanceRates> {
    const now = clock.now();
    const since = new Date(now.getTime() - ATTENDANCE_DAYS * 86_400_000);
    const scope = { coachId: where.coachId, ...(where.memberId ? { memberId: where.memberId } : {}), scheduledAt: { gte: since, lt: now } };
    const [sessions, lateCancellations, noShows] = await Promise.all([
      db.session.count({ where: scope }),
      db.session.count({ where: { ...scope, cancelledLate: true } }),
      db.session.count({ where: { ...scope, status: 'no_show', noShowParty: 'member' } }),
    ]);
    const rate = (n: number) => (sessions === 0 ? null : n / sessions);
    return { since, sessions, lateCancellations, noShows, lateCancellationRate: rate(lateCancellations), noShowRate: rate(noShows) };
  }

  return {
    /**
     * One member's late-cancellation and no-show rates with their coach over the last 90 days (the
     * coach's member card): the member themself, their coach, an admin.
     */
    async memberAttendance(actor: Actor, memberId: string): Promise<AttendanceRates> {
      requirePermission(actor, 'sessions:read');
      const input = parseInput(z.object({ id }), { id: memberId });
      const member = await memberFor(actor, input.id);
      return attendance({ coachId: member.coachId ?? '', memberId: member.id });
    },

    /** The member's next session and next three (the `/next` command, GET /dashboard/member). */
    async member(actor: Actor, memberId?: string): Promise<MemberDashboard> {
      requirePermission(actor, 'sessions:read');
      const input = parseInput(optionalId, { id: memberId });
      const member = await memberFor(actor, input.id);
      const rows = await db.session.findMany({
        where: { memberId: member.id, status: 'scheduled', scheduledAt: { gte: clock.now() } },
        include: sessionInclude,
        orderBy: [{ scheduledAt: 'asc' }, { id: 'asc' }],
        take: MEMBER_UPCOMING_COUNT,
      });
      const upcomingSessions = rows.map((r) => viewSession(actor, toRecord(r)));
      const rates = member.coachId ? await attendance({ coachId: member.coachId, memberId: member.id }) : null;
      return { memberId: member.id, nextSession: upcomingSessions[0] ?? null, upcomingSessions, attendance: rates };
    },

    /** The coach's day and week in their own time zone, member count and rating (the `/today` command). */
    async coach(actor: Actor, coachId?: string): Promise<CoachDashboard> {
      requirePermission(actor, 'sessions:read');
      const input = parseInput(optionalId, { id: coachId });
      const targetId = input.id ?? actor.userId;
      if (!isAdmin(actor) && targetId !== actor.userId) {
        throw new ForbiddenError('not_your_dashboard', "You cannot see another coach's dashboard");
      }
      const profile = await db.coachProfile.findUnique({ where: { userId: targetId }, select: { timezone: true } });
      if (!profile) throw new NotFoundError('Coach', targetId);
      const now = clock.now();
      const today = dayWindow(now, profile.timezone);
      const week = isoWeekWindow(now, profile.timezone);
      const [weekRows, upcomingRows, activeMemberCount, rating] = await Promise.all([
        db.session.findMany({
          where: { coachId: targetId, status: { not: 'cancelled' }, scheduledAt: { gte: week.start, lt: week.end } },
          include: sessionInclude,
          orderBy: [{ scheduledAt: 'asc' }, { id: 'asc' }],
        }),
        db.session.findMany({
          where: { coachId: targetId, status: 'scheduled', scheduledAt: { gte: now } },
          include: sessionInclude,
          orderBy: [{ scheduledAt: 'asc' }, { id: 'asc' }],
          take: COACH_UPCOMING_COUNT,
        }),
        db.memberProfile.count({ where: { coachId: targetId, membershipStatus: 'active' } }),
        coachRatingSummary(db, targetId),
      ]);
      const rates = await attendance({ coachId: targetId });
      const weekSessions = weekRows.map((r) => viewSession(actor, toRecord(r)));
      return {
        coachId: targetId,
        timezone: profile.timezone,
        todaysSessions: weekSessions.filter((s) => contains(today, s.scheduledAt)),
        weekSessions,
        upcomingSessions: upcomingRows.map((r) => viewSession(actor, toRecord(r))),
        activeMemberCount,
        ...rating,
        attendance: rates,
      };
    },
  };
}

export type DashboardsService = ReturnType<typeof createDashboardsService>;
