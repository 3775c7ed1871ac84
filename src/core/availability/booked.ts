import type { DbTx } from '../../db/client.ts';
import type { CodeOf } from '../error-codes.ts';
import { ConflictError } from '../errors.ts';
import { strandedBookings, type AvailabilityWindow, type BookedSlot } from './rules.ts';
import { dateOfDay, minutesToClock, zoneClock } from './time.ts';

/** A future scheduled session as the weekly schedule sees it, with the booking it came from, if any. */
export interface BookedSession extends BookedSlot {
  /** The session id. */
  id: string;
  bookingId: string | null;
}

/**
 * The coach's scheduled sessions that have not started yet: the time availability edits and zone
 * changes must keep inside a window. Sessions, not bookings, because POST /sessions creates booked
 * time without a booking row. Each keeps its instant; the coach-local date and time it shows are read in
 * `timezone` (the coach's zone, or the one a zone change would move to).
 */
export async function futureScheduledSessions(tx: DbTx, coachId: string, now: Date, timezone: string): Promise<BookedSession[]> {
  const rows = await tx.session.findMany({
    where: { coachId, status: 'scheduled', scheduledAt: { gte: now } },
    select: { id: true, scheduledAt: true, duration: true, booking: { select: { id: true } } },
    orderBy: { scheduledAt: 'asc' },
  });
  return localise(rows, timezone);
}

export function localise(
  rows: readonly { id: string; scheduledAt: Date; duration: number; booking: { id: string } | null }[],
  timezone: string,
): BookedSession[] {
  const zone = zoneClock(timezone);
  return rows.map((s) => {
    const startsAt = s.scheduledAt.getTime();
    const local = zone.localOf(startsAt);
    return { id: s.id, bookingId: s.booking?.id ?? null, startsAt, date: dateOfDay(local.day), time: minutesToClock(local.minutes), duration: s.duration };
  });
}

/** What a refusal names: every affected session, and the bookings of those that came from one. */
export function affected(sessions: readonly BookedSession[]): { sessionIds: string[]; bookingIds: string[] } {
  return {
    sessionIds: sessions.map((s) => s.id),
    bookingIds: sessions.flatMap((s) => (s.bookingId ? [s.bookingId] : [])),
  };
}

/** Refuses a schedule that would strand any of these sessions (see strandedBookings), naming each in the conflict. */
export function refuseStranded(
  schedule: { timezone: string; windows: readonly AvailabilityWindow[] },
  sessions: readonly BookedSession[],
  code: CodeOf<'conflict'>,
  message: string,
): void {
  const strandedIds = new Set(strandedBookings(schedule, sessions));
  const stranded = sessions.filter((s) => strandedIds.has(s.id));
  if (stranded.length > 0) throw new ConflictError(code, message, affected(stranded));
}
