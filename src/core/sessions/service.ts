import type { z } from 'zod';
import { Prisma, sqlState, type DbTx } from '../../db/client.ts';
import { isAdmin, requirePermission, type Actor } from '../access/index.ts';
import { bookingPolicy, type BookingPolicy } from '../availability/index.ts';
import { createSessionGroupConversation } from '../conversations/index.ts';
import { ConflictError, ForbiddenError, NotFoundError } from '../errors.ts';
import { answerAfterFailure, findIdempotencyRecord, idempotencyCte, parseIdempotencyKey, replayedAnswer, requestHash, type IdempotencyRecord, type KeyedRequest } from '../idempotency.ts';
import type { CoreDeps } from '../deps.ts';
import { toPage, type Page } from '../pagination.ts';
import { COACH_LOCK_TX_OPTIONS, lockCoachCalendar } from '../scheduling/lock.ts';
import { parseId, parseInput } from '../validation.ts';
import { cancelSessionInput, completeSessionInput, createSessionInput, listSessionsInput, noShowInput, notesInput } from './inputs.ts';
import { rateSessionInput, rescheduleSessionInput, updateSessionInput, upcomingInput } from './inputs.ts';
import type { CancelSessionInput, CompleteSessionInput, CreateSessionInput, ListSessionsInput, NoShowInput, NotesInput } from './inputs.ts';
import type { RateSessionInput, RescheduleSessionInput, UpcomingInput, UpdateSessionInput } from './inputs.ts';
import { findSessions, findUpcomingSessions, loadScheduleParties, loadSession, lockedSession } from './load.ts';
import { assertBookableTime } from './bookable.ts';
import { offerFreedSeats, seatTakenByMember } from '../waitlist/offers.ts';
import { NO_CREDIT_LEFT, noShowSettlement, reserveCreditCall, settleSessionCredit, tellCoachNoCredits } from '../credits/index.ts';
import { cancelSessionRecords, moveBooking, moveSession, notifyParties, sessionInsertCtes } from './records.ts';
import { assertCanCancel, assertCanChangeTime, assertCanComplete, assertCanMarkNoShow, assertCanRate, assertCanReschedule } from './rules.ts';
import { assertMaySchedule, canReadSession, isSessionMember, parties, viewLastTime, viewSession, type LastTimeView, type SessionRecord, type SessionView } from './rules.ts';
import { sessionInclude, toRecord } from './load.ts';
import { requireSessionCoach, requireSessionMember, requireSessionParty } from './rules.ts';

const pageOf = (limit?: number, cursor?: string) => ({ limit, cursor });

/** Who may make a change: throws when the actor may not. */
type Guard = (actor: Actor, s: SessionRecord) => void;

/** The idempotency-key operation of a hand-made session. */
export const SESSION_CREATE_OPERATION = 'sessions.create';

export function createSessionsService(deps: CoreDeps) {
  const { db, clock, config } = deps;

  const policy = (): BookingPolicy => bookingPolicy(config, clock.now());

  async function readable(actor: Actor, id: unknown): Promise<SessionRecord> {
    requirePermission(actor, 'sessions:read');
    const s = await loadSession(db, parseId(id));
    if (!canReadSession(actor, s)) throw new ForbiddenError('not_your_session', 'This session is not yours to see');
    return s;
  }

  async function view(actor: Actor, id: string, tx: DbTx = db): Promise<SessionView> {
    return viewSession(actor, await loadSession(tx, id));
  }

  /** The session, if the actor passes `guard` for it. */
  async function guarded(actor: Actor, sessionId: string, guard: Guard): Promise<SessionRecord> {
    const s = await loadSession(db, sessionId);
    guard(actor, s);
    return s;
  }

  /** A party's own notes on a session: the coach's (private to coaches and admins) or the member's. */
  async function writeNotes(actor: Actor, id: string, raw: NotesInput, guard: Guard, field: 'coachNotes' | 'memberNotes'): Promise<SessionView> {
    const sessionId = parseId(id);
    const input = parseInput(notesInput, raw);
    await guarded(actor, sessionId, guard);
    await db.session.update({ where: { id: sessionId }, data: { [field]: input.notes } });
    return view(actor, sessionId);
  }

  /**
   * Every change of a running session: load it, check the actor, then in one transaction under the
   * coach lock re-read it and let `step` check its state and write, so the check and the write
   * cannot interleave with another change; answers the session as the actor now sees it.
   */
  async function changeSession(actor: Actor, sessionId: string, guard: Guard, step: (tx: DbTx, current: SessionRecord) => Promise<void>): Promise<SessionView> {
    const s = await guarded(actor, sessionId, guard);
    await db.$transaction(async (tx) => step(tx, await lockedSession(tx, s)), COACH_LOCK_TX_OPTIONS);
    return view(actor, sessionId);
  }

  /** Moves a session (and its booking) to a time that passes the booking rule, its own seat left out. */
  async function moveTo(tx: DbTx, actor: Actor, current: SessionRecord, scheduledAt: Date, duration: number): Promise<void> {
    const local = await assertBookableTime(tx, policy(), {
      coachId: current.coachId,
      scheduledAt,
      duration,
      memberId: current.memberId,
      exceptSessionId: current.id,
    });
    const from = { ...parties(current), scheduledAt: current.scheduledAt, duration: current.duration };
    await moveSession(tx, from, { scheduledAt, duration }, { userId: actor.userId, at: clock.now() });
    await moveBooking(tx, current.id, scheduledAt, duration, local);
    await seatTakenByMember(tx, current.memberId, current.coachId, { startsAt: scheduledAt, duration }, clock.now());
    // The seat it left goes to the next member in line, in this transaction (docs/design.md §11).
    await offerFreedSeats(tx, config, clock.now(), current.coachId, [{ startsAt: current.scheduledAt, duration: current.duration }]);
  }


  async function list(actor: Actor, raw: ListSessionsInput): Promise<Page<SessionView>> {
    requirePermission(actor, 'sessions:read');
    const input = parseInput(listSessionsInput, raw);
    if (input.memberId && !isAdmin(actor)) {
      const member = await db.memberProfile.findUnique({ where: { id: input.memberId }, select: { userId: true, coachId: true } });
      const mine = member && (actor.role === 'Member' ? member.userId === actor.userId : member.coachId === actor.userId);
      if (!mine) throw new ForbiddenError('not_your_member', "You cannot see this member's sessions");
    }
    const rows = await findSessions(db, actor, input);
    return toPage(rows.map((r) => viewSession(actor, r)), input);
  }

  /** Writes a new session (and the key row of its request, in the same statement), or refuses it having written nothing. */
  async function schedule(actor: Actor, input: z.output<typeof createSessionInput>, keyRow?: KeyedRequest): Promise<string> {
    const named = await loadScheduleParties(db, input);
    assertMaySchedule(actor, named, input);
    const { member, coach } = named;
    return db.$transaction(async (tx) => {
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
          actorId: actor.userId,
        },
        now,
      );
      const keyCte = keyRow === undefined ? [] : [idempotencyCte('session_key', { ...keyRow, resourceId: session.id }, now)];
      await tx.$executeRaw`WITH ${Prisma.join([...ctes, ...keyCte], ', ')} SELECT 1`;
      await seatTakenByMember(tx, member.id, coach.id, { startsAt: input.scheduledAt, duration: input.duration }, now);
      // A session of a coach who requires credits reserves one, like a booking (docs/design.md §12).
      await tx.$executeRaw(reserveCreditCall({ coachId: coach.id, memberId: member.id, sessionId: session.id, actorId: actor.userId, at: now })).catch((error: unknown) => {
        if (sqlState(error) === NO_CREDIT_LEFT) throw new ConflictError('no_credits', 'The member has no sessions left in their package with this coach');
        throw error;
      });
      if (input.createGroupConversation) {
        await createSessionGroupConversation(tx, { sessionId: session.id, coachUserId: coach.id, memberUserId: member.userId, title: 'Coaching Session' });
      }
      return session.id;
    }, COACH_LOCK_TX_OPTIONS).catch(async (error: unknown) => {
      if (error instanceof ConflictError && error.code === 'no_credits') await tellCoachNoCredits(db, member.id, coach.id, clock.now());
      throw error;
    });
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
      const answer = (record: IdempotencyRecord): Promise<SessionView> => {
        const first = replayedAnswer(record, SESSION_CREATE_OPERATION, hash);
        if ('refusal' in first) throw first.refusal;
        return view(actor, first.resourceId);
      };
      const replay = async (): Promise<SessionView | undefined> => {
        const record = key === undefined ? null : await findIdempotencyRecord(db, actor.userId, key);
        return record ? answer(record) : undefined;
      };
      const replayed = await replay();
      if (replayed) return replayed;
      const keyRow = key === undefined ? undefined : { userId: actor.userId, key, operation: SESSION_CREATE_OPERATION, requestHash: hash };
      try {
        return view(actor, await schedule(actor, input, keyRow));
      } catch (error) {
        if (keyRow === undefined) throw error;
        const { record, ours } = await answerAfterFailure(db, keyRow, error);
        if (ours) throw error;
        return answer(record);
      }
    },

    /** Changes type, duration or the coach's notes; a new duration is re-checked like a booking. */
    async update(actor: Actor, id: string, raw: UpdateSessionInput): Promise<SessionView> {
      const sessionId = parseId(id);
      const input = parseInput(updateSessionInput, raw);
      return changeSession(actor, sessionId, requireSessionCoach, async (tx, current) => {
        if (input.type !== undefined || input.duration !== undefined) assertCanChangeTime(current);
        if (input.duration !== undefined && input.duration !== current.duration) {
          await moveTo(tx, actor, current, current.scheduledAt, input.duration);
        }
        if (input.type !== undefined || input.coachNotes !== undefined || input.outcomes !== undefined) {
          await tx.session.update({
            where: { id: current.id },
            data: { type: input.type, coachNotes: input.coachNotes, outcomes: input.outcomes },
          });
        }
      });
    },

    /**
     * Moves a session: the new time passes the booking rule excluding the session itself, the
     * calendar event moves with a higher SEQUENCE, reminders are re-timed, the parties are told (see partiesToTell).
     */
    async reschedule(actor: Actor, id: string, raw: RescheduleSessionInput): Promise<SessionView> {
      const sessionId = parseId(id);
      const input = parseInput(rescheduleSessionInput, raw);
      return changeSession(actor, sessionId, requireSessionParty, async (tx, current) => {
        assertCanReschedule(current, clock.now(), isSessionMember(actor, current) && !isAdmin(actor));
        const duration = input.duration ?? current.duration;
        // The same time again (a double click) changes nothing and tells nobody.
        if (input.scheduledAt.getTime() === current.scheduledAt.getTime() && duration === current.duration) return;
        await moveTo(tx, actor, current, input.scheduledAt, duration);
      });
    },

    /** Completes a session that has started (Properties 19, 49, 61). */
    async complete(actor: Actor, id: string, raw: CompleteSessionInput): Promise<SessionView> {
      const sessionId = parseId(id);
      const input = parseInput(completeSessionInput, raw);
      return changeSession(actor, sessionId, requireSessionCoach, async (tx, current) => {
        const now = clock.now();
        assertCanComplete(current, now);
        await tx.session.update({
          where: { id: current.id },
          data: { status: 'completed', completedAt: now, coachNotes: input.coachNotes, outcomes: input.outcomes ?? null },
        });
        // A completed session spends its reserved credit (docs/design.md §12).
        await settleSessionCredit(tx, current.id, 'consume', { userId: actor.userId, at: now });
        if (input.commitments.length) {
          await tx.sessionCommitment.createMany({
            data: input.commitments.map((c, position) => ({
              sessionId: current.id,
              position,
              text: c.text,
              dueDate: c.dueDate ? new Date(`${c.dueDate}T00:00:00Z`) : null,
              createdAt: now,
            })),
          });
        }
        // The member's copy says it may be rated; the rating prompt itself is derived by the jobs.
        await notifyParties(tx, parties(current), actor.userId, 'session.completed', (userId) => ({
          sessionId: current.id,
          completedAt: now.toISOString(),
          rateable: userId === current.memberUserId,
        }));
      });
    },

    /** Cancels a scheduled session and frees its seat (Properties 20, 62). */
    async cancel(actor: Actor, id: string, raw: CancelSessionInput = {}): Promise<SessionView> {
      const sessionId = parseId(id);
      const input = parseInput(cancelSessionInput, raw);
      return changeSession(actor, sessionId, requireSessionParty, async (tx, current) => {
        assertCanCancel(current, clock.now(), isSessionMember(actor, current) && !isAdmin(actor));
        await cancelSessionRecords(tx, parties(current), { userId: actor.userId, reason: input.reason ?? null, at: clock.now() });
        await offerFreedSeats(tx, config, clock.now(), current.coachId, [{ startsAt: current.scheduledAt, duration: current.duration }]);
      });
    },

    /** Records that one party did not turn up; only after the start time. */
    async markNoShow(actor: Actor, id: string, raw: NoShowInput): Promise<SessionView> {
      const sessionId = parseId(id);
      const input = parseInput(noShowInput, raw);
      return changeSession(actor, sessionId, requireSessionCoach, async (tx, current) => {
        const now = clock.now();
        assertCanMarkNoShow(current, now);
        await tx.session.update({ where: { id: current.id }, data: { status: 'no_show', noShowParty: input.party } });
        // The member's no-show spends the credit when the coach says so; the coach's releases it (docs/design.md §12).
        const policy = await tx.coachProfile.findUnique({ where: { userId: current.coachId }, select: { cancellationCutoffHours: true, lateCancelConsumes: true, noShowConsumes: true } });
        await settleSessionCredit(tx, current.id, policy ? noShowSettlement(policy, input.party) : 'release', { userId: actor.userId, at: now });
        await notifyParties(tx, parties(current), actor.userId, 'session.no_show', () => ({ sessionId: current.id, party: input.party }));
      });
    },

    addCoachNotes: (actor: Actor, id: string, raw: NotesInput) => writeNotes(actor, id, raw, requireSessionCoach, 'coachNotes'),

    addMemberNotes: (actor: Actor, id: string, raw: NotesInput) => writeNotes(actor, id, raw, requireSessionMember, 'memberNotes'),

    /** The member rates a completed session once (Properties 41-45, 63). */
    async rate(actor: Actor, id: string, raw: RateSessionInput): Promise<SessionView> {
      const sessionId = parseId(id);
      const input = parseInput(rateSessionInput, raw);
      await guarded(actor, sessionId, requireSessionMember);
      // One conditional statement: two racing ratings cannot both pass the check.
      const { count } = await db.session.updateMany({
        where: { id: sessionId, status: 'completed', rating: null },
        data: { rating: input.rating, ratingFeedback: input.feedback ?? null, ratedAt: clock.now() },
      });
      if (count === 0) assertCanRate(await loadSession(db, sessionId));
      return view(actor, sessionId);
    },

    /**
     * "Last time:" for a session: the member's completed session before it, as the actor may see it
     * (see viewLastTime); without a session, a member's own latest completed one. Null when there is none.
     */
    async lastTime(actor: Actor, sessionId?: string): Promise<LastTimeView | null> {
      requirePermission(actor, 'sessions:read');
      let where: Prisma.SessionWhereInput;
      if (sessionId !== undefined) {
        const s = await readable(actor, sessionId);
        where = { memberId: s.memberId, scheduledAt: { lt: s.scheduledAt } };
      } else {
        const profile = await db.memberProfile.findUnique({ where: { userId: actor.userId }, select: { id: true } });
        if (!profile) return null;
        where = { memberId: profile.id, scheduledAt: { lte: clock.now() } };
      }
      const row = await db.session.findFirst({ where: { ...where, status: 'completed' }, include: sessionInclude, orderBy: [{ scheduledAt: 'desc' }, { id: 'desc' }] });
      if (!row) return null;
      const last = toRecord(row);
      if (!canReadSession(actor, last)) return null;
      return viewLastTime(actor, last);
    },

    /**
     * The member marks one of their commitments done (or an admin for them). Marking it again
     * changes nothing. Answers the session the commitment belongs to.
     */
    async markCommitmentDone(actor: Actor, commitmentId: string): Promise<SessionView> {
      const cid = parseId(commitmentId, 'commitmentId');
      const commitment = await db.sessionCommitment.findUnique({ where: { id: cid }, select: { sessionId: true } });
      if (!commitment) throw new NotFoundError('Commitment', cid);
      await guarded(actor, commitment.sessionId, requireSessionMember);
      await db.sessionCommitment.updateMany({ where: { id: cid, doneAt: null }, data: { doneAt: clock.now() } });
      return view(actor, commitment.sessionId);
    },

    async get(actor: Actor, id: string): Promise<SessionView> {
      return viewSession(actor, await readable(actor, id));
    },

    /** Sessions the actor may see, filtered, oldest first, one page at a time. */
    list: (actor: Actor, filters: ListSessionsInput = {}) => list(actor, filters),

    async listByMember(actor: Actor, memberId: string, page: { limit?: number; cursor?: string } = {}) {
      return list(actor, { ...pageOf(page.limit, page.cursor), memberId });
    },

    async listByCoach(actor: Actor, coachId: string, page: { limit?: number; cursor?: string } = {}) {
      const input = parseInput(listSessionsInput, { ...pageOf(page.limit, page.cursor), coachId });
      if (actor.role === 'Coach' && !isAdmin(actor) && input.coachId !== actor.userId) {
        throw new ForbiddenError('not_your_sessions', "You cannot see another coach's sessions");
      }
      return list(actor, input);
    },

    /** Scheduled sessions from now on, soonest first. */
    async listUpcoming(actor: Actor, raw: UpcomingInput = {}): Promise<SessionView[]> {
      requirePermission(actor, 'sessions:read');
      const input = parseInput(upcomingInput, raw);
      const rows = await findUpcomingSessions(db, actor, clock.now(), input.limit);
      return rows.map((r) => viewSession(actor, r));
    },
  };
}

export type SessionsService = ReturnType<typeof createSessionsService>;

