import type { Db } from '../../src/db/client.ts';
import { REMINDER_OFFSETS, SEATS } from './world.ts';

// What the database says after the run, whatever the processes said while it went on: no slot over
// its seats, no member twice in one slot, every confirmed booking with its session and calendar
// event, and every notification that fell due delivered (or rightly skipped), none lost.

export interface Invariants {
  overCapacity: number;
  doubleSeats: number;
  confirmedWithoutSession: number;
  /** Reminders owed by the sessions table at `dueBy` without a sent notification. */
  missingReminders: string[];
  /** Notifications due by `dueBy` not sent nor rightly skipped. */
  undelivered: { id: string; type: string; status: string; failureReason: string | null }[];
}

export async function checkInvariants(db: Db, dueBy: Date): Promise<Invariants> {
  const [over] = await db.$queryRaw<{ n: number }[]>`
    SELECT count(*)::int AS n FROM (
      SELECT "coachId", "scheduledAt" FROM "sessions" WHERE "status" <> 'cancelled'
      GROUP BY "coachId", "scheduledAt" HAVING count(*) > ${SEATS}) t`;
  const [double] = await db.$queryRaw<{ n: number }[]>`
    SELECT count(*)::int AS n FROM (
      SELECT "memberId", "scheduledAt" FROM "sessions" WHERE "status" <> 'cancelled'
      GROUP BY "memberId", "scheduledAt" HAVING count(*) > 1) t`;
  const [orphans] = await db.$queryRaw<{ n: number }[]>`
    SELECT count(*)::int AS n FROM "session_bookings" b
    LEFT JOIN "sessions" s ON s."id" = b."sessionId"
    LEFT JOIN "calendar_events" e ON e."id" = s."calendarEventId"
    WHERE b."status" = 'confirmed' AND (s."id" IS NULL OR e."id" IS NULL OR s."status" = 'cancelled')`;
  return {
    overCapacity: over!.n,
    doubleSeats: double!.n,
    confirmedWithoutSession: orphans!.n,
    missingReminders: await missingReminders(db, dueBy),
    undelivered: await db.notification.findMany({
      where: { deliverAfter: { lte: dueBy }, OR: [{ status: { in: ['pending', 'failed'] } }, { status: 'skipped', NOT: { failureReason: { startsWith: 'session_' } } }] },
      select: { id: true, type: true, status: true, failureReason: true },
    }),
  };
}

/**
 * The reminders a scheduled session owes by `dueBy`, to its member and its coach, for each offset
 * whose moment came after the session got its time, computed from the sessions table alone; those
 * without a sent notification are missing. The offsets are a minute apart and no outage of the run
 * lasts that long, so none may be passed over as the scheduler does after a long outage.
 */
async function missingReminders(db: Db, dueBy: Date): Promise<string[]> {
  const rows = await db.$queryRaw<{ key: string }[]>`
    WITH offs AS (SELECT * FROM unnest(${REMINDER_OFFSETS}::int[]) AS o("minutes")),
    owed AS (
      SELECT s."id", o."minutes", s."scheduledAt", u."userId"
      FROM "sessions" s
      JOIN "member_profiles" m ON m."id" = s."memberId"
      CROSS JOIN offs o
      CROSS JOIN LATERAL (VALUES (m."userId"), (s."coachId")) AS u("userId")
      WHERE s."status" = 'scheduled'
        AND s."scheduledAt" - o."minutes" * interval '1 minute' >= COALESCE(s."rescheduledAt", s."createdAt")
        AND s."scheduledAt" - o."minutes" * interval '1 minute' <= ${dueBy}::timestamp
    )
    SELECT w."id" || ':' || w."minutes" || ':' || w."userId" AS "key" FROM owed w
    WHERE NOT EXISTS (
      SELECT 1 FROM "notifications" n
      WHERE n."type" = 'session.reminder' AND n."status" = 'sent'
        AND n."dedupeKey" = 'session.reminder:' || w."id" || ':' || w."minutes" || ':' || w."userId" || ':'
          || (extract(epoch FROM w."scheduledAt") * 1000)::bigint)`;
  return rows.map((r) => r.key);
}

/** Sent notifications per Telegram chat, as the database records them. */
export async function sentPerChat(db: Db): Promise<Map<string, number>> {
  const rows = await db.$queryRaw<{ chat: string; n: number }[]>`
    SELECT i."dmChannelId" AS chat, count(*)::int AS n FROM "notifications" n
    JOIN "chat_identities" i ON i."userId" = n."userId" AND i."platform" = 'telegram'
    WHERE n."status" = 'sent' GROUP BY i."dmChannelId"`;
  return new Map(rows.map((r) => [r.chat, r.n]));
}
