import { z } from 'zod';
import { Prisma, type DbTx } from '../../db/client.ts';
import { isAdmin, requirePermission, type Actor } from '../access/index.ts';
import type { BookingPolicy } from '../availability/index.ts';
import { createSessionGroupConversation } from '../conversations/index.ts';
import { ConflictError, ForbiddenError, NotFoundError, UnprocessableError } from '../errors.ts';
import {
  findIdempotencyRecord,
  idempotencyCte,
  isUniqueViolation,
  parseIdempotencyKey,
  replayedResource,
  requestHash,
} from '../idempotency.ts';
import type { CoreDeps } from '../index.ts';
import { writeNotifications } from '../notifications/index.ts';
import { pageArgs, toPage, type Page } from '../pagination.ts';
import { lockCoachCalendar } from '../scheduling/lock.ts';
import { id as uuid, parseInput } from '../validation.ts';
import {
  cancelSessionInput,
  completeSessionInput,
  createSessionInput,
  listSessionsInput,
  noShowInput,
  notesInput,
  rateSessionInput,
  rescheduleSessionInput,
  updateSessionInput,
  upcomingInput,
  type CancelSessionInput,
  type CompleteSessionInput,
  type CreateSessionInput,
  type ListSessionsInput,
  type NoShowInput,
  type NotesInput,
  type RateSessionInput,
  type RescheduleSessionInput,
  type UpcomingInput,
  type UpdateSessionInput,
} from './inputs.ts';
import { loadSession, sessionInclude, sessionScope, toRecord } from './load.ts';
import { assertBookableTime, type BookedTime } from './bookable.ts';
import { cancelSessionRecords, moveSession, sessionInsertCtes } from './records.ts';
import {
  assertCanCancel,
  assertCanChangeTime,
  assertCanComplete,
  assertCanMarkNoShow,
  assertCanRate,
  assertCanReschedule,
  canReadSession,
  isSessionCoachOrAdmin,
  isSessionMember,
  viewSession,
  type SessionRecord,
  type SessionView,
} from './rules.ts';

const sessionIdInput = z.object({ id: uuid });

const pageOf = (limit?: number, cursor?: string) => ({ limit, cursor });

/** The idempotency-key operation of a hand-made session. */
export const SESSION_CREATE_OPERATION = 'sessions.create';

/** Large enough for a queue of changes waiting on one coach's lock under load. */
const TX_OPTIONS = { maxWait: 10_000, timeout: 30_000 };

export function createSessionsService(deps: CoreDeps) {
  const { db, clock, config } = deps;

  function policy(): BookingPolicy {
    return { now: clock.now().getTime(), minNoticeMinutes: config.bookingMinNoticeMinutes, horizonDays: config.bookingHorizonDays };
  }

  /** A moved session's booking follows it, so availability edits protect the seat it now holds. */
  async function moveBooking(tx: DbTx, sessionId: string, scheduledAt: Date, duration: number, local: BookedTime): Promise<void> {
    await tx.sessionBooking.updateMany({
      where: { sessionId, status: 'confirmed' },
      data: { requestedDate: new Date(`${local.date}T00:00:00Z`), requestedTime: local.time, slotStartsAt: scheduledAt, duration },
    });
  }

  /** A session id from the caller, named `id` in the error when malformed. */
  function parseId(id: unknown): string {
    return parseInput(sessionIdInput, { id }).id;
  }

  async function readable(actor: Actor, id: unknown): Promise<SessionRecord> {
    requirePermission(actor, 'sessions:read');
    const s = await loadSession(db, parseId(id));
    if (!canReadSession(actor, s)) throw new ForbiddenError('This session is not yours to see', 'not_your_session');
    return s;
  }

  /** Running a session (complete, notes, no-show, changes) is its coach's job, or an admin's. */
  function requireSessionCoach(actor: Actor, s: SessionRecord): void {
    requirePermission(actor, 'sessions:write');
    if (!isSessionCoachOrAdmin(actor, s)) {
      throw new ForbiddenError('Only the coach of this session or an admin can do this', 'not_session_coach');
    }
  }

  /** Moving or cancelling is also the member's right, under their booking permission. */
  function requireSessionParty(actor: Actor, s: SessionRecord): void {
    if (isSessionMember(actor, s) && !isAdmin(actor)) return requirePermission(actor, 'bookings:write');
    requireSessionCoach(actor, s);
  }

  /** The member's own acts (member notes, rating); admins may act for them (docs/properties.md, Property 54). */
  function requireSessionMember(actor: Actor, s: SessionRecord): void {
    if (isAdmin(actor)) return;
    requirePermission(actor, 'sessions:read');
    if (!isSessionMember(actor, s)) throw new ForbiddenError('Only the member of this session can do this', 'not_session_member');
  }

  /** Re-reads the session under the coach lock, so a state check and its write cannot interleave. */
  async function lockedSession(tx: DbTx, s: SessionRecord): Promise<SessionRecord> {
    await lockCoachCalendar(tx, s.coachId);
    return loadSession(tx, s.id);
  }

  const parties = (s: SessionRecord) => ({
    id: s.id,
    calendarEventId: s.calendarEventId,
    memberUserId: s.memberUserId,
    coachUserId: s.coachId,
  });

  async function view(actor: Actor, id: string, tx: DbTx = db): Promise<SessionView> {
    return viewSession(actor, await loadSession(tx, id));
  }

  async function list(actor: Actor, raw: ListSessionsInput): Promise<Page<SessionView>> {
    requirePermission(actor, 'sessions:read');
    const input = parseInput(listSessionsInput, raw);
    if (input.memberId && !isAdmin(actor)) {
      const member = await db.memberProfile.findUnique({ where: { id: input.memberId }, select: { userId: true, coachId: true } });
      const mine = member && (actor.role === 'Member' ? member.userId === actor.userId : member.coachId === actor.userId);
      if (!mine) throw new ForbiddenError("You cannot see this member's sessions", 'not_your_member');
    }
    const scope = await sessionScope(db, actor);
    const page: { take: number; skip?: number; cursor?: { id: string } } = pageArgs(input);
    const rows = await db.session.findMany({
      where: {
        AND: [
          scope,
          {
            status: input.status,
            coachId: input.coachId,
            memberId: input.memberId,
            scheduledAt: { gte: input.from, lt: input.to },
          },
        ],
      },
      include: sessionInclude,
      orderBy: [{ scheduledAt: 'asc' }, { id: 'asc' }],
      ...page,
    });
    return toPage(
      rows.map((r) => viewSession(actor, toRecord(r))),
      input,
    );
  }

  return {
    /**
     * Creates a session at a bookable time (the same availability and capacity rule as a booking,
     * under the coach lock), with its calendar event, notifications and reminders.
     */
    async create(actor: Actor, raw: CreateSessionInput, idempotencyKey?: string): Promise<SessionView> {
      requirePermission(actor, 'sessions:write');
      const input = parseInput(createSessionInput, raw);
      const key = idempotencyKey === undefined ? undefined : parseIdempotencyKey(idempotencyKey);
      const hash = requestHash(input);
      const replay = async (): Promise<SessionView | undefined> => {
        const record = key === undefined ? null : await findIdempotencyRecord(db, actor.userId, key);
        return record ? view(actor, replayedResource(record, SESSION_CREATE_OPERATION, hash)) : undefined;
      };
      const replayed = await replay();
      if (replayed) return replayed;

      const [member, coach] = await Promise.all([
        db.memberProfile.findUnique({
          where: { id: input.memberId },
          select: { id: true, userId: true, coachId: true, user: { select: { isActive: true } } },
        }),
        db.user.findUnique({ where: { id: input.coachId }, select: { id: true, role: true, isActive: true } }),
      ]);
      if (!member) throw new NotFoundError('Member', input.memberId);
      if (!coach || coach.role !== 'Coach') throw new NotFoundError('Coach', input.coachId);
      if (!isAdmin(actor)) {
        const own =
          actor.role === 'Coach'
            ? actor.userId === coach.id && member.coachId === coach.id
            : actor.userId === member.userId && member.coachId === coach.id;
        if (!own) throw new ForbiddenError('You can only schedule sessions for your own members', 'not_your_member');
      }
      if (!member.user.isActive) throw new UnprocessableError('member_inactive', 'The member is not active');
      if (!coach.isActive) throw new UnprocessableError('coach_inactive', 'The coach is not active');

      let sessionId: string;
      try {
        sessionId = await db.$transaction(async (tx) => {
          await lockCoachCalendar(tx, coach.id);
          await assertBookableTime(tx, policy(), { coachId: coach.id, scheduledAt: input.scheduledAt, duration: input.duration, memberId: member.id });
          const now = clock.now();
          const { session, ctes } = sessionInsertCtes(
            {
              memberProfileId: member.id,
              memberUserId: member.userId,
              coachUserId: coach.id,
              scheduledAt: input.scheduledAt,
              duration: input.duration,
              type: input.type,
              memberNotes: input.memberNotes ?? null,
              notify: 'session.created',
            },
            now,
          );
          const keyCte =
            key === undefined
              ? []
              : [idempotencyCte('session_key', { userId: actor.userId, key, operation: SESSION_CREATE_OPERATION, requestHash: hash, resourceId: session.id }, now)];
          await tx.$executeRaw`WITH ${Prisma.join([...ctes, ...keyCte], ', ')} SELECT 1`;
          if (input.createGroupConversation) {
            await createSessionGroupConversation(tx, {
              sessionId: session.id,
              coachUserId: coach.id,
              memberUserId: member.userId,
              title: 'Coaching Session',
            });
          }
          return session.id;
        }, TX_OPTIONS);
      } catch (error) {
        // A concurrent request with the same key committed first: answer what it answered. Its seat
        // may be what refused this one (a member holds one seat of a slot), before the key could.
        if (key !== undefined && (isUniqueViolation(error) || (error instanceof ConflictError && error.code === 'already_booked'))) {
          const again = await replay();
          if (again) return again;
        }
        throw error;
      }
      return view(actor, sessionId);
    },

    /** Changes type, duration or the coach's notes; a new duration is re-checked like a booking. */
    async update(actor: Actor, id: string, raw: UpdateSessionInput): Promise<SessionView> {
      const sessionId = parseId(id);
      const input = parseInput(updateSessionInput, raw);
      const s = await loadSession(db, sessionId);
      requireSessionCoach(actor, s);
      await db.$transaction(async (tx) => {
        const current = await lockedSession(tx, s);
        if (input.type !== undefined || input.duration !== undefined) assertCanChangeTime(current);
        if (input.duration !== undefined && input.duration !== current.duration) {
          const local = await assertBookableTime(tx, policy(), {
            coachId: current.coachId,
            scheduledAt: current.scheduledAt,
            duration: input.duration,
            memberId: current.memberId,
            exceptSessionId: current.id,
          });
          await moveSession(tx, parties(current), current.scheduledAt, input.duration, clock.now());
          await moveBooking(tx, current.id, current.scheduledAt, input.duration, local);
        }
        if (input.type !== undefined || input.coachNotes !== undefined || input.outcomes !== undefined) {
          await tx.session.update({
            where: { id: current.id },
            data: { type: input.type, coachNotes: input.coachNotes, outcomes: input.outcomes },
          });
        }
      }, TX_OPTIONS);
      return view(actor, sessionId);
    },

    /**
     * Moves a session: the new time passes the booking rule excluding the session itself, the
     * calendar event moves with a higher SEQUENCE, reminders are re-timed, both parties are told.
     */
    async reschedule(actor: Actor, id: string, raw: RescheduleSessionInput): Promise<SessionView> {
      const sessionId = parseId(id);
      const input = parseInput(rescheduleSessionInput, raw);
      const s = await loadSession(db, sessionId);
      requireSessionParty(actor, s);
      await db.$transaction(async (tx) => {
        const current = await lockedSession(tx, s);
        assertCanReschedule(current, clock.now(), isSessionMember(actor, current) && !isAdmin(actor));
        const duration = input.duration ?? current.duration;
        // The same time again (a double click) changes nothing and tells nobody.
        if (input.scheduledAt.getTime() === current.scheduledAt.getTime() && duration === current.duration) return;
        const local = await assertBookableTime(tx, policy(), {
          coachId: current.coachId,
          scheduledAt: input.scheduledAt,
          duration,
          memberId: current.memberId,
          exceptSessionId: current.id,
        });
        await moveSession(tx, parties(current), input.scheduledAt, duration, clock.now());
        await moveBooking(tx, current.id, input.scheduledAt, duration, local);
      }, TX_OPTIONS);
      return view(actor, sessionId);
    },

    /** Completes a session that has started (Properties 19, 49, 61). */
    async complete(actor: Actor, id: string, raw: CompleteSessionInput): Promise<SessionView> {
      const sessionId = parseId(id);
      const input = parseInput(completeSessionInput, raw);
      const s = await loadSession(db, sessionId);
      requireSessionCoach(actor, s);
      await db.$transaction(async (tx) => {
        const current = await lockedSession(tx, s);
        const now = clock.now();
        assertCanComplete(current, now);
        await tx.session.update({
          where: { id: current.id },
          data: { status: 'completed', completedAt: now, coachNotes: input.coachNotes, outcomes: input.outcomes ?? null },
        });
        // The member's copy says it may be rated; the rating prompt itself is derived by the jobs.
        await writeNotifications(
          tx,
          [current.memberUserId, current.coachId].map((userId) => ({
            userId,
            type: 'session.completed' as const,
            payload: { sessionId: current.id, completedAt: now.toISOString(), rateable: userId === current.memberUserId },
            dedupeKey: `session.completed:${current.id}:${userId}`,
          })),
        );
      }, TX_OPTIONS);
      return view(actor, sessionId);
    },

    /** Cancels a scheduled session and frees its seat (Properties 20, 62). */
    async cancel(actor: Actor, id: string, raw: CancelSessionInput = {}): Promise<SessionView> {
      const sessionId = parseId(id);
      const input = parseInput(cancelSessionInput, raw);
      const s = await loadSession(db, sessionId);
      requireSessionParty(actor, s);
      await db.$transaction(async (tx) => {
        const current = await lockedSession(tx, s);
        assertCanCancel(current, clock.now(), isSessionMember(actor, current) && !isAdmin(actor));
        await cancelSessionRecords(tx, parties(current), { userId: actor.userId, reason: input.reason ?? null, at: clock.now() });
      }, TX_OPTIONS);
      return view(actor, sessionId);
    },

    /** Records that one party did not turn up; only after the start time. */
    async markNoShow(actor: Actor, id: string, raw: NoShowInput): Promise<SessionView> {
      const sessionId = parseId(id);
      const input = parseInput(noShowInput, raw);
      const s = await loadSession(db, sessionId);
      requireSessionCoach(actor, s);
      await db.$transaction(async (tx) => {
        const current = await lockedSession(tx, s);
        assertCanMarkNoShow(current, clock.now());
        await tx.session.update({ where: { id: current.id }, data: { status: 'no_show', noShowParty: input.party } });
        await writeNotifications(
          tx,
          [current.memberUserId, current.coachId].map((userId) => ({
            userId,
            type: 'session.no_show' as const,
            payload: { sessionId: current.id, party: input.party },
            dedupeKey: `session.no_show:${current.id}:${userId}`,
          })),
        );
      }, TX_OPTIONS);
      return view(actor, sessionId);
    },

    async addCoachNotes(actor: Actor, id: string, raw: NotesInput): Promise<SessionView> {
      const sessionId = parseId(id);
      const input = parseInput(notesInput, raw);
      const s = await loadSession(db, sessionId);
      requireSessionCoach(actor, s);
      await db.session.update({ where: { id: s.id }, data: { coachNotes: input.notes } });
      return view(actor, sessionId);
    },

    async addMemberNotes(actor: Actor, id: string, raw: NotesInput): Promise<SessionView> {
      const sessionId = parseId(id);
      const input = parseInput(notesInput, raw);
      const s = await loadSession(db, sessionId);
      requireSessionMember(actor, s);
      await db.session.update({ where: { id: s.id }, data: { memberNotes: input.notes } });
      return view(actor, sessionId);
    },

    /** The member rates a completed session once (Properties 41-45, 63). */
    async rate(actor: Actor, id: string, raw: RateSessionInput): Promise<SessionView> {
      const sessionId = parseId(id);
      const input = parseInput(rateSessionInput, raw);
      const s = await loadSession(db, sessionId);
      requireSessionMember(actor, s);
      // One conditional statement: two racing ratings cannot both pass the check.
      const { count } = await db.session.updateMany({
        where: { id: s.id, status: 'completed', rating: null },
        data: { rating: input.rating, ratingFeedback: input.feedback ?? null, ratedAt: clock.now() },
      });
      if (count === 0) assertCanRate(await loadSession(db, s.id));
      return view(actor, sessionId);
    },

    async findOne(actor: Actor, id: string): Promise<SessionView> {
      return viewSession(actor, await readable(actor, id));
    },

    /** Sessions the actor may see, filtered, oldest first, one page at a time. */
    findAll: (actor: Actor, filters: ListSessionsInput = {}) => list(actor, filters),

    async getSessionsByMember(actor: Actor, memberId: string, page: { limit?: number; cursor?: string } = {}) {
      return list(actor, { ...pageOf(page.limit, page.cursor), memberId });
    },

    async getSessionsByCoach(actor: Actor, coachId: string, page: { limit?: number; cursor?: string } = {}) {
      const input = parseInput(listSessionsInput, { ...pageOf(page.limit, page.cursor), coachId });
      if (actor.role === 'Coach' && !isAdmin(actor) && input.coachId !== actor.userId) {
        throw new ForbiddenError("You cannot see another coach's sessions", 'not_your_sessions');
      }
      return list(actor, input);
    },

    /** Scheduled sessions from now on, soonest first. */
    async getUpcomingSessions(actor: Actor, raw: UpcomingInput = {}): Promise<SessionView[]> {
      requirePermission(actor, 'sessions:read');
      const input = parseInput(upcomingInput, raw);
      const scope = await sessionScope(db, actor);
      const rows = await db.session.findMany({
        where: { AND: [scope, { status: 'scheduled', scheduledAt: { gte: clock.now() } }] },
        include: sessionInclude,
        orderBy: [{ scheduledAt: 'asc' }, { id: 'asc' }],
        take: input.limit,
      });
      return rows.map((r) => viewSession(actor, toRecord(r)));
    },
  };
}

export type SessionsService = ReturnType<typeof createSessionsService>;

