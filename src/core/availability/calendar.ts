import type { DbTx } from '../../db/client.ts';
import type { AvailabilityWindow, BusyTime, CoachCalendar } from './rules.ts';
import { dayNumber } from './time.ts';

const DAY_MS = 86_400_000;
/**
 * Sessions that can touch a local date start at most this long before it: a day of offset slack,
 * the longest session we expect (a day) and the largest buffer. Reading them costs one range scan.
 */
const LOOKAROUND_MS = 3 * DAY_MS;

/** Instants that may matter to slots on the coach-local dates `first`..`last`. */
export function instantsAround(first: string, last: string): { from: Date; to: Date } {
  return {
    from: new Date(dayNumber(first) * DAY_MS - LOOKAROUND_MS),
    to: new Date((dayNumber(last) + 1) * DAY_MS + LOOKAROUND_MS),
  };
}

/**
 * Everything the bookability rule needs about one coach, in ONE query whatever the range: zone,
 * active windows, and the start and length of every session that is not cancelled in [from, to).
 * Null when the user has no coach profile.
 */
export async function loadCoachCalendar(db: DbTx, coachUserId: string, range: { from: Date; to: Date }): Promise<CoachCalendar | null> {
  const rows = await db.$queryRaw<{ timezone: string; windows: AvailabilityWindow[]; busy: [number, number][] }[]>`
    SELECT cp."timezone",
      COALESCE((SELECT json_agg(json_build_object(
          'id', a."id", 'dayOfWeek', a."dayOfWeek", 'startTime', a."startTime", 'endTime', a."endTime",
          'maxSessionsPerSlot', a."maxSessionsPerSlot", 'bufferMinutes', a."bufferMinutes", 'isActive', a."isActive"))
        FROM "coach_availability" a WHERE a."coachId" = cp."userId" AND a."isActive"), '[]'::json) AS "windows",
      COALESCE((SELECT json_agg(json_build_array((extract(epoch FROM s."scheduledAt") * 1000)::bigint, s."duration"))
        FROM "sessions" s
        WHERE s."coachId" = cp."userId" AND s."status" <> 'cancelled'
          AND s."scheduledAt" >= ${range.from} AND s."scheduledAt" < ${range.to}), '[]'::json) AS "busy"
    FROM "coach_profiles" cp
    WHERE cp."userId" = ${coachUserId}`;
  const row = rows[0];
  if (!row) return null;
  const busy: BusyTime[] = row.busy.map(([startsAt, duration]) => ({ startsAt: Number(startsAt), duration }));
  return { timezone: row.timezone, windows: row.windows, busy };
}
