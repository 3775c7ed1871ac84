import { inlineSql, pgQuery, Prisma, sqlState, withPgConnection, type PgConnection, type SessionBookingModel } from '../../db/client.ts';
import { isAdmin, requirePermission, type Actor } from '../access/index.ts';
import {
  bookingPolicy,
  calendarQuery,
  decideSlot,
  instantsAroundInstant,
  instantsAroundSlot,
  isSlotRejection,
  toCoachCalendar,
  unbookableError,
  type CalendarReader,
  type CalendarRow,
  type PlacedSlot,
  type SlotRequest,
  type CoachCalendar,
  type UnbookableReason,
} from '../availability/index.ts';
import { ConflictError, ForbiddenError, isDomainError, NotFoundError, type DomainError } from '../errors.ts';
import { NO_CREDIT_LEFT, reserveCreditCall, tellCoachNoCredits } from '../credits/index.ts';
import { answerAfterFailure, isRecordableRefusal, parseIdempotencyKey, replayedAnswer, requestHash, type IdempotencyRecord, type KeyedRequest } from '../idempotency.ts';
import type { CoreDeps } from '../deps.ts';
import { pageArgs, toPage, type Page } from '../pagination.ts';
import { COACH_LOCK_TX_OPTIONS, lockCoachCalendar, lockCoachCalendarAndRead } from '../scheduling/lock.ts';
import { cancelSessionRecords } from '../sessions/records.ts';
import { offerFreedSeats } from '../waitlist/offers.ts';
import { assertCanCancel } from '../sessions/rules.ts';
import { parseId, parseInput } from '../validation.ts';
import {
  cancelBookingInput,
  createBookingInput,
  listBookingsInput,
  type CancelBookingInput,
  type CreateBookingInput,
  type ListBookingsInput,
  type ParsedBookingInput,
} from './inputs.ts';
import { BOOKING_OPERATION, confirmedBookingWrite, rejectedBookingWrite, type BookingRequest } from './writes.ts';
import { NO_TELEMETRY, type BookingSource } from '../telemetry.ts';
import { refusalOf } from './refusals.ts';
import { assertMayBook, rerunningAborts, type BookingParties } from './rules.ts';

/** A booking as callers see it: the requested date as the coach-local YYYY-MM-DD it was made for. */
export interface BookingView extends Omit<SessionBookingModel, 'requestedDate'> {
  requestedDate: string;
}

export function toBookingView(b: SessionBookingModel): BookingView {
  return { ...b, requestedDate: b.requestedDate.toISOString().slice(0, 10) };
}

interface BookingContext extends BookingParties {
  replay: Pick<IdempotencyRecord, 'operation' | 'requestHash' | 'resourceId' | 'refusal'> | null;
  /** The coach's calendar as read before taking the lock: good for refusing, never for confirming. */
  calendar: CoachCalendar | null;
}

/**
 * What an attempt answers: the booking, or a refusal that was recorded with it (slot full, slot
 * taken); `replayed` when it is the first answer of the same key again, not a new outcome.
 */
type Answer = ({ booking: BookingView } | { refusal: DomainError }) & { replayed: boolean };

/** The locked re-check disagreed with the unlocked read; the transaction is rolled back. */
class StaleRead extends Error {}

/** The coach requires credits and the member has none left (credits_reserve raised under the lock). */
function noCredits(): ConflictError {
  return new ConflictError('no_credits', 'You have no sessions left in your package with this coach');
}

/** The SQLSTATE booking_recheck raises when the slot is not as the unlocked read saw it. */
const RECHECK_FAILED = 'CB409';

/**
 * The call of booking_recheck (a function of the migrations) that re-decides, under the lock, a slot
 * decideSlot found bookable on the unlocked read: same window and zone, a seat left, none of them the
 * member's, no session within the window's buffer (leaving out the session just written). Exported
 * for its property test (test/core/bookings.recheck.test.ts), which holds it to decideSlot.
 */
export function recheckUnderLock(coachUserId: string, timezone: string, seen: PlacedSlot, duration: number, reader: Required<CalendarReader>): Prisma.Sql {
  const w = seen.window;
  const { from } = instantsAroundInstant(seen.startsAt, duration);
  return Prisma.sql`SELECT "booking_recheck"(${coachUserId}::text, ${timezone}::text, ${w.id}::text, ${w.dayOfWeek}::int, ${w.startTime}::text,
    ${w.endTime}::text, ${w.maxSessionsPerSlot}::int, ${w.bufferMinutes}::int, ${new Date(seen.startsAt)}::timestamp, ${duration}::int,
    ${reader.memberId}::text, ${reader.exceptSessionId}::text, ${from}::timestamp)`;
}

/** Runs `before` (BEGIN, maybe a write), takes the coach lock and reads the coach's calendar under it: one round trip. */
async function lockedCalendar(
  c: PgConnection,
  before: (string | Prisma.Sql)[],
  coachUserId: string,
  range: { from: Date; to: Date },
  reader: CalendarReader,
): Promise<CoachCalendar | null> {
  // A prepared statement's text must not change under its name: one name per shape of the query.
  const name = `bookings_locked_calendar${reader.exceptSessionId ? '_except' : ''}${reader.memberId ? '_member' : ''}`;
  const [row] = await lockCoachCalendarAndRead<CalendarRow>(c, coachUserId, calendarQuery(coachUserId, range, reader), before, name);
  return toCoachCalendar(row);
}

export function createBookingsService(deps: CoreDeps) {
  const { db, clock, config } = deps;
  const telemetry = deps.telemetry ?? NO_TELEMETRY;

  /**
   * Member, coach, any earlier use of the key and the coach's calendar, in one round trip and
   * WITHOUT the lock: good for refusing a request or guessing its slot, never for confirming it.
   */
  async function bookingContext(c: PgConnection, input: ParsedBookingInput, range: { from: Date; to: Date }, actorId: string, key: string): Promise<BookingContext> {
    const rows = await pgQuery<Omit<BookingContext, 'calendar'> & { calendar: CalendarRow | null }>(c, Prisma.sql`
      SELECT
        (SELECT json_build_object('id', m."id", 'userId', m."userId", 'coachId', m."coachId", 'isActive', u."isActive")
           FROM "member_profiles" m JOIN "users" u ON u."id" = m."userId" WHERE m."id" = ${input.memberId}) AS "member",
        (SELECT json_build_object('id', u."id", 'role', u."role", 'isActive', u."isActive", 'hasProfile', cp."id" IS NOT NULL)
           FROM "users" u LEFT JOIN "coach_profiles" cp ON cp."userId" = u."id" WHERE u."id" = ${input.coachId}) AS "coach",
        (SELECT json_build_object('operation', k."operation", 'requestHash', k."requestHash", 'resourceId', k."resourceId", 'refusal', k."refusal")
           FROM "idempotency_keys" k WHERE k."userId" = ${actorId} AND k."key" = ${key}) AS "replay",
        (SELECT row_to_json(c) FROM (${calendarQuery(input.coachId, range, { memberId: input.memberId })}) c) AS "calendar"`, 'bookings.context');
    const row = rows[0]!;
    return { ...row, calendar: toCoachCalendar(row.calendar ?? undefined) };
  }

  /** The first result of a key: the booking again, or the same refusal again. */
  async function replay(record: BookingContext['replay'] & object, hash: string): Promise<Answer> {
    const first = replayedAnswer(record, BOOKING_OPERATION, hash);
    if ('refusal' in first) return { refusal: first.refusal, replayed: true };
    const bookingId = first.resourceId;
    const booking = await db.sessionBooking.findUnique({ where: { id: bookingId } });
    if (!booking) throw new NotFoundError('Booking', bookingId);
    if (booking.status === 'rejected') {
      const reason = booking.rejectionReason as UnbookableReason;
      const error = unbookableError(isSlotRejection(reason) ? reason : 'slot_full');
      return { refusal: withBooking(error, booking.id), replayed: true };
    }
    return { booking: toBookingView(booking), replayed: true };
  }

  async function readableBooking(actor: Actor, id: string) {
    const bookingId = parseId(id);
    const booking = await db.sessionBooking.findUnique({ where: { id: bookingId }, include: { member: { select: { userId: true } } } });
    if (!booking) throw new NotFoundError('Booking', bookingId);
    if (!isAdmin(actor) && actor.userId !== booking.member.userId && actor.userId !== booking.coachId) {
      throw new ForbiddenError('not_your_booking', 'This booking is not yours');
    }
    return booking;
  }

  /** One attempt at create, from the unlocked read to the commit. */
  async function createOnce(actor: Actor, input: ParsedBookingInput, key: string): Promise<Answer> {
    const hash = requestHash(input);
    const slot = slotOf(input);
    const range = 'startsAt' in slot ? instantsAroundInstant(slot.startsAt, slot.duration) : instantsAroundSlot(slot.date, slot.time, slot.duration);
    const keyOf = { actorId: actor.userId, key, requestHash: hash };
    const now = clock.now();
    let member: NonNullable<BookingContext['member']> | undefined;
    // The row records the slot's instant and the coach-local date and time it shows, however it was asked for.
    const request = (placed: Pick<PlacedSlot, 'startsAt' | 'date' | 'time'>): BookingRequest => ({
      memberProfileId: member!.id,
      memberUserId: member!.userId,
      coachUserId: input.coachId,
      requestedDate: placed.date,
      requestedTime: placed.time,
      slotStartsAt: new Date(placed.startsAt),
      duration: input.duration,
      memberNotes: input.memberNotes ?? null,
      type: input.type,
    });

    type Outcome = { booking: SessionBookingModel; refusal?: ConflictError } | { replay: NonNullable<BookingContext['replay']> } | null;
    let outcome: Outcome;
    try {
      // Fast path, two round trips: the unlocked read; then BEGIN, the write, the lock, the re-check
      // and COMMIT as one multi-statement query. The rows are written BEFORE the lock is taken, and
      // PostgreSQL re-checks the slot itself (booking_recheck: the window and zone the unlocked read
      // placed it by unchanged, a seat left, none of them this member's, nothing within the buffer),
      // so the lock is held only for that check and the commit, never for a round trip to us.
      // Any difference rolls everything back and the slow path decides under the lock.
      // Why a raw connection and not an interactive $transaction: while the lock is held, the
      // holder's next step waits its turn on this process's event loop (and, with PostgreSQL on the
      // same cores, for a CPU), so every statement, socket write and Prisma call that any booking
      // spends lengthens every lock hold (bench/booking.ts measures it).
      outcome = await withPgConnection(db, async (c): Promise<Outcome> => {
        const ctx = await bookingContext(c, input, range, actor.userId, key);
        if (ctx.replay) return { replay: ctx.replay };
        assertMayBook(actor, ctx, input);
        member = ctx.member!;
        if (!ctx.calendar) throw new NotFoundError('Coach', input.coachId);
        const seen = decideSlot(ctx.calendar, bookingPolicy(config, now), slot);
        if (!seen.bookable && !isSlotRejection(seen.reason)) throw unbookableError(seen.reason);
        if (!seen.bookable) return null;
        const { booking, statement } = confirmedBookingWrite(request(seen), keyOf, now);
        const recheck = recheckUnderLock(input.coachId, ctx.calendar.timezone, seen, input.duration, { memberId: input.memberId, exceptSessionId: booking.sessionId! });
        // The credit, if the coach requires one, is reserved after the re-check, before COMMIT (docs/design.md §12).
        const reserve = reserveCreditCall({ coachId: input.coachId, memberId: input.memberId, sessionId: booking.sessionId!, actorId: actor.userId, at: now });
        await lockCoachCalendarAndRead(c, input.coachId, recheck, ['BEGIN', statement], 'bookings_recheck', [reserve, 'COMMIT']).catch((error: unknown) => {
          if (sqlState(error) === NO_CREDIT_LEFT) throw noCredits();
          throw sqlState(error) === RECHECK_FAILED ? new StaleRead() : error;
        });
        return { booking };
      }).catch((error: unknown) => {
        if (error instanceof StaleRead) return null;
        throw error;
      });
      // The slot looked full, or changed between the unlocked read and the write: decide under the lock first.
      outcome ??= await withPgConnection(db, async (c): Promise<NonNullable<Outcome>> => {
        const calendar = await lockedCalendar(c, ['BEGIN'], input.coachId, range, { memberId: input.memberId });
        if (!calendar) throw new NotFoundError('Coach', input.coachId);
        const decision = decideSlot(calendar, bookingPolicy(config, now), slot);
        let write;
        let error: ConflictError | undefined;
        if (decision.bookable) write = confirmedBookingWrite(request(decision), keyOf, now);
        else {
          if (!isSlotRejection(decision.reason)) throw unbookableError(decision.reason);
          error = unbookableError(decision.reason);
          // A slot rejection is decided on a placed slot, so its instant and local time are known.
          write = rejectedBookingWrite(request(decision as PlacedSlot), keyOf, error.code, error.message, now);
        }
        // The write and the commit travel together: a failed write skips the COMMIT behind it. A
        // confirmed booking reserves its credit between them (docs/design.md §12).
        const reserve = decision.bookable
          ? `;\n${inlineSql(reserveCreditCall({ coachId: input.coachId, memberId: input.memberId, sessionId: write.booking.sessionId!, actorId: actor.userId, at: now }))}`
          : '';
        await c.query(`${inlineSql(write.statement)}${reserve};\nCOMMIT`).catch((error: unknown) => {
          throw sqlState(error) === NO_CREDIT_LEFT ? noCredits() : error;
        });
        return { booking: write.booking, refusal: error };
      });
    } catch (error) {
      // Nothing of this attempt was written: its refusal becomes the key's answer, or a concurrent
      // twin's answer is given.
      const keyed: KeyedRequest = { userId: actor.userId, key, operation: BOOKING_OPERATION, requestHash: hash };
      // The coach is told once that the member ran out (docs/design.md §12); the member gets the refusal.
      if (isDomainError(error) && error.code === 'no_credits') await tellCoachNoCredits(db, input.memberId, input.coachId, now);
      const { record, ours } = await answerAfterFailure(db, keyed, error);
      return ours && isRecordableRefusal(error) ? { refusal: error, replayed: false } : replay(record, hash);
    }
    if ('replay' in outcome) return replay(outcome.replay, hash);
    if (outcome.refusal) return { refusal: withBooking(outcome.refusal, outcome.booking.id), replayed: false };
    return { booking: toBookingView(outcome.booking), replayed: false };
  }

  return {
    /**
     * Books a slot. In one short transaction under the coach lock: re-checks the slot with the rule
     * that lists it, then writes booking, session, calendar event, notifications and the key
     * (confirmed), or a rejected booking, the member's notification and the key (slot full or taken),
     * which commit before the refusal is thrown. The same key answers the first result again.
     * `source` says which channel asked, for the telemetry (the bot says so; everything else is the API's side).
     */
    async create(actor: Actor, raw: CreateBookingInput, idempotencyKey: string | undefined, source: BookingSource = 'api'): Promise<BookingView> {
      let answer: Answer;
      try {
        requirePermission(actor, 'bookings:write');
        const input = parseInput(createBookingInput, raw);
        const key = parseIdempotencyKey(idempotencyKey);
        // Two same-key requests on different paths take the key and the coach lock in opposite
        // orders, so PostgreSQL may abort one (deadlock or serialization failure): it runs again.
        answer = await rerunningAborts(() => createOnce(actor, input, key));
      } catch (error) {
        telemetry.bookingRefused(source, refusalOf(error));
        throw error;
      }
      // Counted once, by the request that decided it; its retries answer it again uncounted.
      if (!answer.replayed) {
        if ('refusal' in answer) telemetry.bookingRefused(source, refusalOf(answer.refusal));
        else telemetry.bookingConfirmed(source);
      }
      if ('refusal' in answer) throw answer.refusal;
      return answer.booking;
    },

    /** Cancels a confirmed booking, its session and calendar event, freeing the seat (Property 29). */
    async cancel(actor: Actor, id: string, raw: CancelBookingInput = {}): Promise<BookingView> {
      requirePermission(actor, 'bookings:write');
      const input = parseInput(cancelBookingInput, raw);
      const booking = await readableBooking(actor, id);
      if (booking.status === 'cancelled') return toBookingView(booking);
      if (booking.status !== 'confirmed') throw new ConflictError('booking_not_cancellable', `A ${booking.status} booking cannot be cancelled`);
      const cancelled = await db.$transaction(async (tx) => {
        await lockCoachCalendar(tx, booking.coachId);
        const current = await tx.sessionBooking.findUniqueOrThrow({ where: { id: booking.id }, include: { session: true } });
        if (current.status !== 'confirmed') return current;
        const at = clock.now();
        if (current.session) {
          // The session's own cancellation rule: nothing finished, and a member only before the start.
          assertCanCancel(current.session, at, actor.userId === booking.member.userId && !isAdmin(actor));
          await cancelSessionRecords(
            tx,
            {
              id: current.session.id,
              calendarEventId: current.session.calendarEventId,
              scheduledAt: current.session.scheduledAt,
              memberUserId: booking.member.userId,
              coachUserId: booking.coachId,
            },
            { userId: actor.userId, reason: input.reason ?? null, at },
          );
          // The freed seat goes to the next member in line, in this transaction (docs/design.md §11).
          await offerFreedSeats(tx, config, at, booking.coachId, [{ startsAt: current.session.scheduledAt, duration: current.session.duration }]);
        } else {
          await tx.sessionBooking.update({ where: { id: current.id }, data: { status: 'cancelled', cancelledAt: at } });
        }
        return tx.sessionBooking.findUniqueOrThrow({ where: { id: current.id } });
      }, COACH_LOCK_TX_OPTIONS);
      return toBookingView(cancelled);
    },

    /** Bookings the actor may see: a member's own, a coach's with them, everything for an admin. */
    async list(actor: Actor, raw: ListBookingsInput = {}): Promise<Page<BookingView>> {
      const input = parseInput(listBookingsInput, raw);
      const where: Prisma.SessionBookingWhereInput = {
        status: input.status,
        coachId: input.coachId,
        memberId: input.memberId,
        requestedDate: input.from || input.to ? { gte: asDate(input.from), lte: asDate(input.to) } : undefined,
      };
      const scope: Prisma.SessionBookingWhereInput = isAdmin(actor)
        ? {}
        : actor.role === 'Coach'
          ? { coachId: actor.userId }
          : { member: { userId: actor.userId } };
      const args: Prisma.SessionBookingFindManyArgs = {
        where: { AND: [where, scope] },
        orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
        ...pageArgs(input),
      };
      const rows: SessionBookingModel[] = await db.sessionBooking.findMany(args);
      const page = toPage(rows, input);
      return { items: page.items.map(toBookingView), nextCursor: page.nextCursor };
    },

    async get(actor: Actor, id: string): Promise<BookingView> {
      const { member: _member, ...booking } = await readableBooking(actor, id);
      return toBookingView(booking);
    },

    /** Bookings awaiting the coach (only made by other channels: direct bookings confirm at once). */
    async listPending(actor: Actor, coachId: string): Promise<BookingView[]> {
      const coach = parseId(coachId, 'coachId');
      if (!isAdmin(actor) && actor.userId !== coach) throw new ForbiddenError('not_your_bookings', 'You can only see your own pending bookings');
      const rows = await db.sessionBooking.findMany({ where: { coachId: coach, status: 'pending' }, orderBy: { slotStartsAt: 'asc' } });
      return rows.map(toBookingView);
    },
  };
}

export type BookingsService = ReturnType<typeof createBookingsService>;

function withBooking(error: ConflictError, bookingId: string): ConflictError {
  return new ConflictError(error.code, error.message, { bookingId });
}

/** The slot a booking request names: by its instant, or by the coach's local date and time. */
function slotOf(input: ParsedBookingInput): SlotRequest {
  if (input.startsAt) return { startsAt: input.startsAt.getTime(), duration: input.duration };
  return { date: input.requestedDate!, time: input.requestedTime!, duration: input.duration };
}

function asDate(date: string | undefined): Date | undefined {
  return date ? new Date(`${date}T00:00:00Z`) : undefined;
}
