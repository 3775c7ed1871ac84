import { pgPool, pgQuery, Prisma, type Db, type DbTx } from '../../db/client.ts';
import type { AvailabilityWindow, BusyTime, CoachCalendar } from './rules.ts';
import { MAX_BUFFER_MINUTES, MAX_SLOT_MINUTES } from './inputs.ts';
import { clockToMinutes, dayNumber } from './time.ts';

const DAY_MS = 86_400_000;
/**
 * Sessions that can touch a local date start at most this long before it: a day of offset slack,
 * the longest session we expect (a day) and the largest buffer. Reading them costs one range scan.
 */
const LOOKAROUND_MS = 3 * DAY_MS;

/** Instants that may matter to one slot, whatever the zone: its wall-clock time read as UTC, widened. */
export function instantsAroundSlot(date: string, time: string, duration: number): { from: Date; to: Date } {
  const asUtc = dayNumber(date) * DAY_MS + clockToMinutes(time) * 60_000;
  return { from: new Date(asUtc - SLOT_MARGIN_MS), to: new Date(asUtc + duration * 60_000 + SLOT_MARGIN_MS) };
}

/** Offset (≤ 14 h) + the reach of other sessions: the largest buffer and the longest session. */
const SLOT_MARGIN_MS = 14 * 3_600_000 + (MAX_BUFFER_MINUTES + MAX_SLOT_MINUTES) * 60_000;

/**
 * Instants of sessions that can touch a slot whose start instant is known: the slot widened by the
 * largest buffer, and by the longest session before it. Keeps the read under the lock small.
 */
export function instantsAroundInstant(startsAt: number, duration: number): { from: Date; to: Date } {
  const reach = (MAX_BUFFER_MINUTES + MAX_SLOT_MINUTES) * 60_000;
  return { from: new Date(startsAt - reach), to: new Date(startsAt + (duration + MAX_BUFFER_MINUTES) * 60_000 + 1) };
}

/** Instants that may matter to slots on the coach-local dates `first`..`last`. */
export function instantsAround(first: string, last: string): { from: Date; to: Date } {
  return {
    from: new Date(dayNumber(first) * DAY_MS - LOOKAROUND_MS),
    to: new Date((dayNumber(last) + 1) * DAY_MS + LOOKAROUND_MS),
  };
}

/** The row calendarQuery returns. */
export interface CalendarRow {
  timezone: string;
  windows: AvailabilityWindow[];
  /**
   * [start ms, minutes, sessions at that start and length, how many of them are the given member's]:
   * a full slot is one entry, not one per seat.
   */
  busy: [number, number, number, number][];
}

/** Who a calendar is read for: a session it leaves out (one being moved or just written), a member whose seats it counts. */
export interface CalendarReader {
  exceptSessionId?: string;
  /** Member profile id: busy times then say how many of their seats are this member's. */
  memberId?: string;
}

/**
 * Everything the bookability rule needs about one coach as ONE select, whatever the range: zone,
 * active windows, and the start and length of every session that is not cancelled in [from, to),
 * and of every seat a waitlist offer holds for someone other than the reader's member.
 * No row when the user has no coach profile. A fragment, so a write can return it in its statement.
 */
export function calendarQuery(coachUserId: string, range: { from: Date; to: Date }, reader: CalendarReader = {}): Prisma.Sql {
  const { exceptSessionId, memberId } = reader;
  return Prisma.sql`
    SELECT cp."timezone",
      COALESCE((SELECT json_agg(json_build_object(
          'id', a."id", 'dayOfWeek', a."dayOfWeek", 'startTime', a."startTime", 'endTime', a."endTime",
          'maxSessionsPerSlot', a."maxSessionsPerSlot", 'bufferMinutes', a."bufferMinutes", 'isActive', a."isActive"))
        FROM "coach_availability" a WHERE a."coachId" = cp."userId" AND a."isActive"), '[]'::json) AS "windows",
      COALESCE((SELECT json_agg(json_build_array(b."at", b."duration", b."seats", b."mine")) FROM (
          SELECT (extract(epoch FROM s."scheduledAt") * 1000)::bigint AS "at", s."duration", count(*) AS "seats",
            ${memberId ? Prisma.sql`count(*) FILTER (WHERE s."memberId" = ${memberId})` : Prisma.sql`0`} AS "mine"
          FROM (
            SELECT s."scheduledAt", s."duration", s."memberId" FROM "sessions" s
            WHERE s."coachId" = cp."userId" AND s."status" <> 'cancelled'
              AND s."scheduledAt" >= ${range.from} AND s."scheduledAt" < ${range.to}
              ${exceptSessionId ? Prisma.sql`AND s."id" <> ${exceptSessionId}` : Prisma.empty}
            -- A seat a waitlist offer holds is taken for everyone but its member (docs/design.md §11).
            UNION ALL
            SELECT w."startsAt", w."duration", NULL FROM "waitlist_entries" w
            WHERE w."coachId" = cp."userId" AND w."status" = 'offered'
              AND w."startsAt" >= ${range.from} AND w."startsAt" < ${range.to}
              ${memberId ? Prisma.sql`AND w."memberId" <> ${memberId}` : Prisma.empty}) s
          -- Grouped by the column, not by its epoch: comparing timestamps is cheap, numerics are not.
          GROUP BY s."scheduledAt", s."duration") b), '[]'::json) AS "busy"
    FROM "coach_profiles" cp
    WHERE cp."userId" = ${coachUserId}`;
}

export function toCoachCalendar(row: CalendarRow | undefined): CoachCalendar | null {
  if (!row) return null;
  const busy: BusyTime[] = row.busy.map(([startsAt, duration, sessions, mine]) => ({
    startsAt: Number(startsAt),
    duration,
    sessions: Number(sessions),
    mine: Number(mine),
  }));
  return { timezone: row.timezone, windows: row.windows, busy };
}

/** The coach's calendar, as `reader` sees it. */
export async function loadCoachCalendar(
  db: DbTx,
  coachUserId: string,
  range: { from: Date; to: Date },
  reader: CalendarReader = {},
): Promise<CoachCalendar | null> {
  const rows = await db.$queryRaw<CalendarRow[]>(calendarQuery(coachUserId, range, reader));
  return toCoachCalendar(rows[0]);
}

/**
 * The coach's calendar as anyone sees it, outside a transaction: on a raw connection of the pool as
 * a prepared statement, which spares a listing Prisma's work per query and PostgreSQL's parsing.
 */
export async function readCoachCalendar(db: Db, coachUserId: string, range: { from: Date; to: Date }): Promise<CoachCalendar | null> {
  const rows = await pgQuery<CalendarRow>(pgPool(db), calendarQuery(coachUserId, range), 'availability_calendar');
  return toCoachCalendar(rows[0]);
}
