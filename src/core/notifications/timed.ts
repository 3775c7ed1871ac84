import { pgPool, pgQuery, Prisma, type Db } from '../../db/client.ts';
import { MAX_SLOT_MINUTES } from '../availability/index.ts';

// Reminders before a session and prompts after it are DERIVED from the sessions table when they
// fall due, not written as rows at booking: a booking writes two notifications instead of eight, and
// a reschedule or cancel has nothing to chase. Each due one becomes an outbox row shortly before its
// time; the row's unique dedupe key (session, kind, recipient, session time) is the delivery record
// that makes it exactly once, and from there it is delivered like any other notification.

export type TimedNotificationType = 'session.reminder' | 'session.complete_prompt' | 'session.rate_prompt';
export const TIMED_NOTIFICATION_TYPES: readonly TimedNotificationType[] = ['session.reminder', 'session.complete_prompt', 'session.rate_prompt'];

export interface TimedSchedule {
  /** Minutes before the start a reminder goes to both parties, e.g. [1440, 60]. */
  reminderOffsetsMinutes: readonly number[];
  /** How far back a missed prompt (worker down at the session's end) is still worth sending. */
  promptLookbackMs: number;
}

/**
 * Writes the outbox rows of every reminder and prompt due by `horizon` that has none yet; returns
 * how many it wrote. Rules:
 * - a reminder goes out only if the session had its current time before the reminder's moment (one
 *   booked or moved inside a reminder's window gets the later reminders, not the passed one), only
 *   before the start, and only while no later reminder is due too (after an outage, the latest one);
 * - the coach's complete prompt at the end of a session still scheduled.
 * The member is asked for a rating by the completion notification itself (sessions.complete writes
 * it), so nothing is derived for that: two paths asking once each sent two rating requests.
 * `session.rate_prompt` rows written before that remain deliverable.
 * The delivering worker checks the session again before sending (see staleTimedReason), so a
 * reschedule or cancel after this point still stops the old one.
 */
export async function materializeTimedNotifications(db: Db, schedule: TimedSchedule, now: Date, horizon: Date): Promise<number> {
  const offsets = [...new Set(schedule.reminderOffsetsMinutes)].filter((o) => o > 0).sort((a, b) => b - a);
  // Each offset with the next smaller one (0 = the start): the reminder is passed once that one is due.
  const later = offsets.map((_, i) => offsets[i + 1] ?? 0);
  const maxOffset = offsets[0] ?? 0;
  const earliestPrompt = new Date(now.getTime() - schedule.promptLookbackMs);
  // Sessions are found through the scheduledAt index; a prompt's session started at most one
  // session length before its end.
  const promptFrom = new Date(earliestPrompt.getTime() - MAX_SLOT_MINUTES * 60_000);
  const sql = Prisma.sql`
    WITH offs AS (SELECT * FROM unnest(${offsets}::int[], ${later}::int[]) AS o("minutes", "later")),
    reminders AS (
      SELECT s."id", s."scheduledAt", s."duration", o."minutes", s."scheduledAt" - o."minutes" * interval '1 minute' AS "due",
        m."userId" AS "memberUserId", s."coachId" AS "coachUserId"
      FROM "sessions" s
      JOIN "member_profiles" m ON m."id" = s."memberId"
      CROSS JOIN offs o
      WHERE s."status" = 'scheduled'
        AND s."scheduledAt" > ${now}::timestamp AND s."scheduledAt" <= ${horizon}::timestamp + ${maxOffset} * interval '1 minute'
        AND s."scheduledAt" - o."minutes" * interval '1 minute' <= ${horizon}::timestamp
        AND s."scheduledAt" - o."minutes" * interval '1 minute' >= COALESCE(s."rescheduledAt", s."createdAt")
        AND s."scheduledAt" - o."later" * interval '1 minute' > ${now}::timestamp
    ),
    ended AS (
      SELECT s."id", s."scheduledAt", s."duration", s."status", s."scheduledAt" + s."duration" * interval '1 minute' AS "endsAt",
        m."userId" AS "memberUserId", s."coachId" AS "coachUserId"
      FROM "sessions" s
      JOIN "member_profiles" m ON m."id" = s."memberId"
      WHERE s."scheduledAt" > ${promptFrom}::timestamp AND s."scheduledAt" <= ${horizon}::timestamp AND s."status" = 'scheduled'
    ),
    due AS (
      SELECT r."memberUserId" AS "userId", 'session.reminder' AS "type", r."id" AS "sessionId", r."scheduledAt", r."duration", r."minutes", r."due"
        FROM reminders r
      UNION ALL
      SELECT r."coachUserId", 'session.reminder', r."id", r."scheduledAt", r."duration", r."minutes", r."due" FROM reminders r
      UNION ALL
      SELECT e."coachUserId", 'session.complete_prompt', e."id", e."scheduledAt", e."duration", NULL, e."endsAt"
        FROM ended e WHERE e."status" = 'scheduled' AND e."endsAt" > ${earliestPrompt}::timestamp AND e."endsAt" <= ${horizon}::timestamp

    ),
    written AS (
      INSERT INTO "notifications" ("id", "userId", "type", "payload", "dedupeKey", "deliverAfter", "createdAt", "updatedAt")
      SELECT gen_random_uuid()::text, d."userId", d."type",
        jsonb_strip_nulls(jsonb_build_object('sessionId', d."sessionId", 'scheduledAt', to_char(d."scheduledAt", 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
          'duration', d."duration", 'minutesBefore', d."minutes")),
        d."type" || ':' || d."sessionId" || ':' || COALESCE(d."minutes"::text || ':', '') || d."userId" || ':'
          || (extract(epoch FROM d."scheduledAt") * 1000)::bigint,
        d."due", ${now}::timestamp, ${now}::timestamp
      FROM due d
      ON CONFLICT ("dedupeKey") DO NOTHING
      RETURNING 1
    )
    SELECT count(*)::int AS "written" FROM written`;
  const c = await pgPool(db).connect();
  try {
    const [row] = await pgQuery<{ written: number }>(c, sql, 'notifications.materialize_timed');
    return row!.written;
  } finally {
    c.release();
  }
}

/** The session as the worker reads it when a timed notification is about to go out. */
export interface TimedSessionState {
  status: string;
  scheduledAtMs: number;
  rated: boolean;
}

/**
 * Why a reminder or prompt must no longer go out, or null when it still should: its session moved
 * (the row names the time it was for), was cancelled or ended, started, or was already rated.
 */
export function staleTimedReason(
  type: string,
  payload: Record<string, unknown>,
  session: TimedSessionState | null,
  now: Date,
): string | null {
  if (!(TIMED_NOTIFICATION_TYPES as readonly string[]).includes(type)) return null;
  if (!session) return 'session_gone';
  const forTime = Date.parse(String(payload.scheduledAt));
  if (type === 'session.rate_prompt') {
    if (session.status !== 'completed') return `session_${session.status}`;
    return session.rated ? 'session_already_rated' : null;
  }
  if (session.status !== 'scheduled') return `session_${session.status}`;
  if (session.scheduledAtMs !== forTime) return 'session_rescheduled';
  if (type === 'session.reminder' && now.getTime() >= session.scheduledAtMs) return 'session_started';
  return null;
}
