import { randomUUID } from 'node:crypto';
import { inlineSql, pgQuery, Prisma, sqlState, withPgConnection, type PgConnection, type SessionStatus } from '../../db/client.ts';
import { NO_CREDIT_LEFT, reserveCreditCall, tellCoachNoCredits } from '../credits/index.ts';
import { isAdmin, requirePermission, type Actor } from '../access/index.ts';
import { bookingPolicy, calendarQuery, toCoachCalendar, type CalendarRow } from '../availability/index.ts';
import { ConflictError, ForbiddenError, isDomainError, NotFoundError, ValidationError, type ErrorCode } from '../errors.ts';
import { answerAfterFailure, idempotencyCte, isRecordableRefusal, parseIdempotencyKey, replayedAnswer, requestHash, type IdempotencyRecord } from '../idempotency.ts';
import type { CoreDeps } from '../deps.ts';
import { COACH_LOCK_TX_OPTIONS, lockCoachCalendar, lockCoachCalendarAndRead } from '../scheduling/lock.ts';
import { cancelSessionRecords } from '../sessions/records.ts';
import { offerFreedSeats } from '../waitlist/offers.ts';
import { assertCanCancel } from '../sessions/rules.ts';
import { NO_TELEMETRY, type BookingSource } from '../telemetry.ts';
import { parseId, parseInput } from '../validation.ts';
import {
  cancelBookingSeriesInput,
  createBookingSeriesInput,
  type CancelBookingSeriesInput,
  type CreateBookingSeriesInput,
  type ParsedBookingSeriesInput,
} from './inputs.ts';
import { refusalOf } from './refusals.ts';
import { assertMayBook, isAbort, rerunningAborts, type BookingParties } from './rules.ts';
import { decideSeries, seriesRange, type OccurrenceCheck, type OccurrenceDecision, type SeriesRequest } from './series-rules.ts';
import { confirmedBookingCtes, type BookingRequest } from './writes.ts';

// Recurring series (docs/design.md §9). A series is decided and written on the booking's slow path
// (docs/design.md §3): BEGIN, the coach lock, the calendar read under it, every occurrence decided by decideSlot
// (series-rules.ts), then the series row, every booked occurrence (booking, session, calendar event,
// notifications: the single booking's write builders) and the idempotency key in ONE statement, and
// COMMIT. Nothing that runs beside it can overfill a slot: every change to the coach's seats waits
// for the same lock.

export const SERIES_OPERATION = 'bookingSeries.create';

/** An occurrence as recorded with the series when it was booked. */
export interface RecordedOccurrence {
  position: number;
  /** The coach's local date and wall time it asked for. */
  date: string;
  time: string;
  /** Its instant, ISO 8601; null when the clocks skip that wall time that day. */
  startsAt: string | null;
  status: 'booked' | 'unavailable' | 'withheld';
  /** Why it is not booked: the error code a single booking of it would answer. */
  reason: ErrorCode | null;
}

/** An occurrence as it is now: as recorded, with its session (which may since have moved or been cancelled). */
export interface OccurrenceView extends RecordedOccurrence {
  session: { id: string; status: SessionStatus; scheduledAt: Date; bookingId: string | null } | null;
}

export interface BookingSeriesView {
  id: string;
  memberId: string;
  coachId: string;
  timezone: string;
  localTime: string;
  firstStartsAt: Date;
  count: number;
  interval: number;
  duration: number;
  allOrNothing: boolean;
  /** How many occurrences were booked. */
  booked: number;
  occurrences: OccurrenceView[];
  createdAt: Date;
}

interface SeriesContext extends BookingParties {
  replay: Pick<IdempotencyRecord, 'operation' | 'requestHash' | 'resourceId' | 'refusal'> | null;
  /** The session named by firstSessionId, if any. */
  firstSession: { memberId: string; coachId: string; status: string; /** ms since the epoch. */ scheduledAt: number; duration: number; seriesId: string | null } | null;
}

/** The checks an occurrence must pass beyond decideSlot; empty until a rule (e.g. credits) adds one. */
const OCCURRENCE_CHECKS: readonly OccurrenceCheck[] = [];

function recorded(d: OccurrenceDecision): RecordedOccurrence {
  return {
    position: d.position,
    date: d.date,
    time: d.time,
    startsAt: d.startsAt === null ? null : new Date(d.startsAt).toISOString(),
    status: d.status,
    reason: d.status === 'unavailable' ? d.reason : null,
  };
}

export function createBookingSeriesService(deps: CoreDeps) {
  const { db, clock, config } = deps;
  const telemetry = deps.telemetry ?? NO_TELEMETRY;

  /** Member (named, or the actor's own profile), coach and any earlier use of the key: one round trip, no lock. */
  async function seriesContext(c: PgConnection, actor: Actor, input: ParsedBookingSeriesInput, key: string): Promise<SeriesContext> {
    const member = input.memberId ? Prisma.sql`m."id" = ${input.memberId}` : Prisma.sql`m."userId" = ${actor.userId}`;
    const rows = await pgQuery<SeriesContext>(c, Prisma.sql`
      SELECT
        (SELECT json_build_object('id', m."id", 'userId', m."userId", 'coachId', m."coachId", 'isActive', u."isActive")
           FROM "member_profiles" m JOIN "users" u ON u."id" = m."userId" WHERE ${member}) AS "member",
        (SELECT json_build_object('id', u."id", 'role', u."role", 'isActive', u."isActive", 'hasProfile', cp."id" IS NOT NULL)
           FROM "users" u LEFT JOIN "coach_profiles" cp ON cp."userId" = u."id" WHERE u."id" = ${input.coachId}) AS "coach",
        (SELECT json_build_object('operation', k."operation", 'requestHash', k."requestHash", 'resourceId', k."resourceId", 'refusal', k."refusal")
           FROM "idempotency_keys" k WHERE k."userId" = ${actor.userId} AND k."key" = ${key}) AS "replay",
        (SELECT json_build_object('memberId', s."memberId", 'coachId', s."coachId", 'status', s."status", 'scheduledAt', (extract(epoch FROM s."scheduledAt") * 1000)::bigint,
            'duration', s."duration", 'seriesId', s."seriesId")
           FROM "sessions" s WHERE s."id" = ${input.firstSessionId ?? null}) AS "firstSession"`);
    return rows[0]!;
  }

  /** One attempt, from the read to the commit; answers the series id. */
  async function createOnce(actor: Actor, input: ParsedBookingSeriesInput, key: string, hash: string): Promise<{ seriesId: string; replayed: boolean; written: number }> {
    const keyed = { userId: actor.userId, key, operation: SERIES_OPERATION, requestHash: hash };
    let replay: SeriesContext['replay'] = null;
    let seriesId: string | undefined;
    let written = 0;
    let bookedFor: string | undefined;
    try {
      await withPgConnection(db, async (c) => {
        const ctx = await seriesContext(c, actor, input, key);
        if (ctx.replay) {
          replay = ctx.replay;
          return;
        }
        if (!input.memberId && !ctx.member) {
          throw new ValidationError('validation_failed', 'memberId is required: you have no member profile to book for', [
            { field: 'memberId', message: 'is required' },
          ]);
        }
        const memberId = ctx.member?.id ?? input.memberId!;
        bookedFor = memberId;
        assertMayBook(actor, ctx, { memberId, coachId: input.coachId });
        const member = ctx.member!;
        if (input.firstSessionId) assertAdoptable(ctx.firstSession, member.id, input);
        const now = clock.now();
        const request: SeriesRequest = {
          startsAt: input.startsAt.getTime(),
          duration: input.duration,
          count: input.count,
          interval: input.interval,
          allOrNothing: input.allOrNothing,
        };
        const [row] = await lockCoachCalendarAndRead<CalendarRow>(
          c,
          input.coachId,
          calendarQuery(input.coachId, seriesRange(request), { memberId }),
          ['BEGIN'],
          'series_locked_calendar_member',
        );
        const calendar = toCoachCalendar(row);
        if (!calendar) throw new NotFoundError('Coach', input.coachId);
        // The session to adopt still holds its seat, as read under the lock (else its slot is decided afresh).
        request.firstHeld =
          input.firstSessionId !== undefined && calendar.busy.some((b) => b.startsAt === request.startsAt && b.duration === request.duration && (b.mine ?? 0) > 0);
        const decisions = decideSeries(calendar, bookingPolicy(config, now), request, OCCURRENCE_CHECKS);
        const id = randomUUID();
        const ctes: Prisma.Sql[] = [];
        const reserves: string[] = [];
        let adopting = false;
        for (const d of decisions) {
          if (d.status !== 'booked') continue;
          if (d.held) {
            ctes.push(Prisma.sql`first_adopted AS (
              UPDATE "sessions" SET "seriesId" = ${id}, "seriesPosition" = 1, "updatedAt" = ${now}
              WHERE "id" = ${input.firstSessionId!} AND "memberId" = ${member.id} AND "status" = 'scheduled' AND "seriesId" IS NULL
              RETURNING 1 AS "adopted")`);
            adopting = true;
            continue;
          }
          const booking: BookingRequest = {
            memberProfileId: member.id,
            memberUserId: member.userId,
            coachUserId: input.coachId,
            requestedDate: d.slot.date,
            requestedTime: d.slot.time,
            slotStartsAt: new Date(d.slot.startsAt),
            duration: input.duration,
            memberNotes: input.memberNotes ?? null,
            type: input.type,
          };
          const occurrence = confirmedBookingCtes(booking, actor.userId, now, { prefix: `o${d.position}_`, series: { id, position: d.position } });
          ctes.push(...occurrence.ctes);
          // Each occurrence reserves a credit when the coach requires them, under this lock (docs/design.md §12).
          reserves.push(inlineSql(reserveCreditCall({ coachId: input.coachId, memberId: member.id, sessionId: occurrence.booking.sessionId!, actorId: actor.userId, at: now })));
          written++;
        }
        const first = decisions[0]!;
        const series = Prisma.sql`series_row AS (
          INSERT INTO "booking_series" ("id", "memberId", "coachId", "createdById", "firstStartsAt", "localTime", "timezone", "count", "interval",
            "duration", "allOrNothing", "occurrences", "createdAt")
          VALUES (${id}, ${member.id}, ${input.coachId}, ${actor.userId}, ${input.startsAt}, ${first.time}, ${calendar.timezone}, ${input.count}::int,
            ${input.interval}::int, ${input.duration}::int, ${input.allOrNothing ? Prisma.sql`true` : Prisma.sql`false`}, ${JSON.stringify(decisions.map(recorded))}::jsonb, ${now}))`;
        // The series row comes first: each session's "seriesId" points at it.
        // An adopted session another series took meanwhile (a concurrent tap) divides by zero: all rolls back, and the rerun refuses it.
        const check = adopting ? Prisma.sql`SELECT 1 / (SELECT count(*) FROM first_adopted)::int` : Prisma.sql`SELECT 1`;
        const statement = Prisma.sql`WITH ${Prisma.join([series, ...ctes, idempotencyCte('series_key', { ...keyed, resourceId: id }, now)], ', ')} ${check}`;
        // Short of credits for the occurrences it books, the whole series rolls back and answers no_credits.
        await c.query([inlineSql(statement), ...reserves, 'COMMIT'].join(';\n')).catch((error: unknown) => {
          if (sqlState(error) === NO_CREDIT_LEFT) throw new ConflictError('no_credits', 'Not enough sessions left in the package for every week of this series');
          throw error;
        });
        seriesId = id;
      });
    } catch (error) {
      if (isDomainError(error) && error.code === 'no_credits' && bookedFor) await tellCoachNoCredits(db, bookedFor, input.coachId, clock.now());
      // Nothing of this attempt was written: its refusal becomes the key's answer, or a concurrent twin's answer is given.
      const { record, ours } = await answerAfterFailure(db, keyed, error);
      if (ours && isRecordableRefusal(error)) throw error;
      replay = record;
    }
    if (replay) {
      const first = replayedAnswer(replay, SERIES_OPERATION, hash);
      if ('refusal' in first) throw first.refusal;
      return { seriesId: first.resourceId, replayed: true, written: 0 };
    }
    return { seriesId: seriesId!, replayed: false, written };
  }

  async function readableSeries(actor: Actor, id: string) {
    const seriesId = parseId(id, 'seriesId');
    const series = await db.bookingSeries.findUnique({
      where: { id: seriesId },
      include: {
        member: { select: { userId: true } },
        sessions: { select: { id: true, status: true, scheduledAt: true, seriesPosition: true, booking: { select: { id: true } } } },
      },
    });
    // Someone else's series is as unknown as one that does not exist.
    if (!series || (!isAdmin(actor) && actor.userId !== series.member.userId && actor.userId !== series.coachId)) throw new NotFoundError('Booking series', seriesId);
    return series;
  }

  function toView(series: Awaited<ReturnType<typeof readableSeries>>): BookingSeriesView {
    const occurrences = (series.occurrences as unknown as RecordedOccurrence[]).map((o): OccurrenceView => {
      const s = series.sessions.find((x) => x.seriesPosition === o.position);
      return { ...o, session: s ? { id: s.id, status: s.status, scheduledAt: s.scheduledAt, bookingId: s.booking?.id ?? null } : null };
    });
    return {
      id: series.id,
      memberId: series.memberId,
      coachId: series.coachId,
      timezone: series.timezone,
      localTime: series.localTime,
      firstStartsAt: series.firstStartsAt,
      count: series.count,
      interval: series.interval,
      duration: series.duration,
      allOrNothing: series.allOrNothing,
      booked: occurrences.filter((o) => o.status === 'booked').length,
      occurrences,
      createdAt: series.createdAt,
    };
  }

  async function get(actor: Actor, id: string): Promise<BookingSeriesView> {
    return toView(await readableSeries(actor, id));
  }

  return {
    /**
     * Books a recurring series: every occurrence decided and written in one transaction under the
     * coach lock. Answers the series with each occurrence booked or the reason it is not; the same
     * key answers the same series again.
     */
    async create(actor: Actor, raw: CreateBookingSeriesInput, idempotencyKey: string | undefined, source: BookingSource = 'api'): Promise<BookingSeriesView> {
      let answer: { seriesId: string; replayed: boolean; written: number };
      try {
        requirePermission(actor, 'bookings:write');
        const input = parseInput(createBookingSeriesInput, raw);
        const key = parseIdempotencyKey(idempotencyKey);
        const hash = requestHash(input);
        // A same-key twin on another path may deadlock with this one; the rerun replays it (as bookings do).
        answer = await rerunningAborts(() => createOnce(actor, input, key, hash), isRerunnable);
      } catch (error) {
        telemetry.bookingRefused(source, refusalOf(error));
        throw error;
      }
      const view = await get(actor, answer.seriesId);
      // Each occurrence booked now counts as a booking, once (an adopted first session was counted when it was booked).
      for (let i = 0; i < answer.written; i++) telemetry.bookingConfirmed(source);
      return view;
    },

    get,

    /**
     * Cancels one occurrence (`this`) or it and every later one (`thisAndLater`) that is still
     * scheduled, under the coach lock in one transaction; each by the session's own cancellation rule.
     */
    async cancel(actor: Actor, id: string, raw: CancelBookingSeriesInput = {}): Promise<BookingSeriesView> {
      requirePermission(actor, 'bookings:write');
      const input = parseInput(cancelBookingSeriesInput, raw);
      const series = await readableSeries(actor, id);
      if (input.position > series.count) {
        throw new ValidationError('validation_failed', `position must be at most ${series.count}`, [{ field: 'position', message: `must be at most ${series.count}` }]);
      }
      const byMember = actor.userId === series.member.userId && !isAdmin(actor);
      if (!byMember && !isAdmin(actor) && actor.userId !== series.coachId) throw new ForbiddenError('not_your_booking', 'This series is not yours');
      await db.$transaction(async (tx) => {
        await lockCoachCalendar(tx, series.coachId);
        const positions = input.scope === 'this' ? { equals: input.position } : { gte: input.position };
        const sessions = await tx.session.findMany({ where: { seriesId: series.id, seriesPosition: positions, status: 'scheduled' }, orderBy: { seriesPosition: 'asc' } });
        const at = clock.now();
        for (const s of sessions) {
          assertCanCancel(s, at, byMember);
          await cancelSessionRecords(
            tx,
            { id: s.id, calendarEventId: s.calendarEventId, scheduledAt: s.scheduledAt, memberUserId: series.member.userId, coachUserId: series.coachId },
            { userId: actor.userId, reason: input.reason ?? null, at },
          );
        }
        // Each freed seat goes to the next member in line, in this transaction, as a single cancel's does (docs/design.md §11).
        await offerFreedSeats(tx, config, at, series.coachId, sessions.map((s) => ({ startsAt: s.scheduledAt, duration: s.duration })));
      }, COACH_LOCK_TX_OPTIONS);
      return get(actor, series.id);
    },
  };
}

/** The session a series adopts as its first occurrence: the member's, with this coach, scheduled at startsAt for the duration, in no series. */
function assertAdoptable(s: SeriesContext['firstSession'], memberId: string, input: ParsedBookingSeriesInput): void {
  const fits =
    s !== null &&
    s.memberId === memberId &&
    s.coachId === input.coachId &&
    s.status === 'scheduled' &&
    Number(s.scheduledAt) === input.startsAt.getTime() &&
    s.duration === input.duration &&
    s.seriesId === null;
  if (!fits) {
    throw new ValidationError('validation_failed', "firstSessionId must name the member's scheduled session at startsAt, of the same length, in no series yet", [
      { field: 'firstSessionId', message: "must be the member's scheduled session at startsAt, in no series yet" },
    ]);
  }
}

export type BookingSeriesService = ReturnType<typeof createBookingSeriesService>;

/** A deadlock or serialization abort, or the adopted session taken meanwhile (22012, see createOnce): the rerun answers. */
function isRerunnable(error: unknown): boolean {
  return isAbort(error) || (error as { code?: unknown } | null)?.code === '22012';
}
