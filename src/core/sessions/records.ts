import { randomUUID } from 'node:crypto';
import { Prisma, type CalendarEventModel, type DbTx, type SessionModel, type SessionType } from '../../db/client.ts';
import { cancelCalendarEvent, COACHING_SESSION_CATEGORY, moveCalendarEvent } from '../calendar/index.ts';
import { writeNotifications, type NotificationType, type OutboxEntry } from '../notifications/index.ts';
import { cancellationSettlement, isLateCancellation, settleSessionCredit } from '../credits/index.ts';
import type { BookedTime } from './bookable.ts';

// The writes that make, move and end a session, shared by bookings and sessions so that every path
// keeps session, calendar event and notifications in step. Callers own the transaction and the
// coach lock; these functions check nothing.

export interface NewSession {
  memberProfileId: string;
  memberUserId: string;
  coachUserId: string;
  scheduledAt: Date;
  duration: number;
  type: SessionType;
  memberNotes?: string | null;
  /** What to tell the parties: `booking.confirmed` for a booking, `session.created` otherwise. */
  notify: NotificationType;
  /** Extra payload for the notification (e.g. the booking id). */
  payload?: Record<string, unknown>;
  /** Who made it (see partiesToTell); absent when no one in particular did. */
  actorId?: string | null;
  /** The recurring series it is an occurrence of, and its 1-based position (docs/design.md §9). */
  series?: { id: string; position: number };
}

/** The two parties of a session. */
export interface SessionParties {
  memberUserId: string;
  coachUserId: string;
}

/**
 * Who is told of a change: both parties, less the one who made it. The actor gets the answer to
 * their own request (the bot's reply, the API's response); a notice as well would tell them twice.
 * An admin acting on someone's behalf is not a party, so both parties are told.
 */
export function partiesToTell(p: SessionParties, actorId: string | null | undefined): string[] {
  return [p.memberUserId, p.coachUserId].filter((userId) => userId !== actorId);
}

export function endOf(scheduledAt: Date, durationMinutes: number): Date {
  return new Date(scheduledAt.getTime() + durationMinutes * 60_000);
}

/**
 * The rows of a new session (calendar event, attendee, session, notifications for its parties) as
 * data-modifying CTEs, so a caller can write them and its own rows in ONE statement: inside the coach
 * lock every statement is a round trip that other bookings of the coach wait for.
 */
export function sessionInsertCtes(s: NewSession, at: Date, prefix = '') {
  const event: CalendarEventModel = {
    id: randomUUID(),
    title: COACHING_SESSION_CATEGORY,
    description: null,
    startsAt: s.scheduledAt,
    endsAt: endOf(s.scheduledAt, s.duration),
    category: COACHING_SESSION_CATEGORY,
    status: 'confirmed',
    creatorId: s.coachUserId,
    icalUid: '',
    sequence: 0,
    createdAt: at,
    updatedAt: at,
  };
  event.icalUid = `${event.id}@coachbot`;
  const session: SessionModel = {
    id: randomUUID(),
    calendarEventId: event.id,
    memberId: s.memberProfileId,
    coachId: s.coachUserId,
    type: s.type,
    status: 'scheduled',
    duration: s.duration,
    scheduledAt: s.scheduledAt,
    coachNotes: null,
    memberNotes: s.memberNotes ?? null,
    outcomes: null,
    rating: null,
    ratingFeedback: null,
    ratedAt: null,
    completedAt: null,
    cancelledAt: null,
    cancellationReason: null,
    cancelledById: null,
    noShowParty: null,
    rescheduledAt: null,
    cancelledLate: false,
    seriesId: s.series?.id ?? null,
    seriesPosition: s.series?.position ?? null,
    createdAt: at,
    updatedAt: at,
  };
  const payload = { sessionId: session.id, scheduledAt: s.scheduledAt.toISOString(), duration: s.duration, actorId: s.actorId ?? null, ...s.payload };
  // Reminders and prompts are not written here: the jobs derive them from the sessions table when
  // they fall due (src/core/notifications/timed.ts), so a booking writes two notifications, not eight.
  const notifications: OutboxEntry[] = partiesToTell(s, s.actorId).map((userId) => ({
    userId,
    type: s.notify,
    payload,
    dedupeKey: `${s.notify}:${session.id}:${userId}`,
  }));
  // `prefix` keeps the CTE names apart when one statement writes several sessions (a series).
  const name = (base: string) => Prisma.raw(`${prefix}${base}`);
  const ctes = [
    Prisma.sql`${name('session_event')} AS (
      INSERT INTO "calendar_events" ("id", "title", "startsAt", "endsAt", "category", "creatorId", "icalUid", "createdAt", "updatedAt")
      VALUES (${event.id}, ${event.title}, ${event.startsAt}, ${event.endsAt}, ${event.category}, ${event.creatorId}, ${event.icalUid}, ${at}, ${at}))`,
    Prisma.sql`${name('session_attendee')} AS (
      INSERT INTO "calendar_event_attendees" ("eventId", "userId") VALUES (${event.id}, ${s.memberUserId}))`,
    Prisma.sql`${name('session_row')} AS (
      INSERT INTO "sessions" ("id", "calendarEventId", "memberId", "coachId", "type", "duration", "scheduledAt", "memberNotes",
        "seriesId", "seriesPosition", "createdAt", "updatedAt")
      VALUES (${session.id}, ${event.id}, ${session.memberId}, ${session.coachId}, ${session.type}::"SessionType", ${session.duration},
        ${session.scheduledAt}, ${session.memberNotes}, ${session.seriesId}, ${session.seriesPosition}::int, ${at}, ${at}))`,
    notificationsCte(`${prefix}session_notifications`, notifications, at),
  ];
  return { session, event, ctes };
}

/** An outbox insert as a CTE; like writeNotifications, a repeated cause (dedupe key) writes nothing. */
export function notificationsCte(name: string, entries: readonly OutboxEntry[], at: Date): Prisma.Sql {
  const rows = entries.map(
    (e) =>
      Prisma.sql`(${randomUUID()}, ${e.userId}, ${e.type}, ${JSON.stringify(e.payload)}::jsonb, ${e.dedupeKey}, ${e.deliverAfter ?? at}, ${at}, ${at})`,
  );
  return Prisma.sql`${Prisma.raw(name)} AS (
    INSERT INTO "notifications" ("id", "userId", "type", "payload", "dedupeKey", "deliverAfter", "createdAt", "updatedAt")
    VALUES ${Prisma.join(rows, ', ')}
    ON CONFLICT ("dedupeKey") DO NOTHING)`;
}

/** Calendar event, session, and notifications for its parties (Properties 17, 18, 28), in one statement. */
export async function insertSession(tx: DbTx, s: NewSession, at: Date) {
  const { session, event, ctes } = sessionInsertCtes(s, at);
  await tx.$executeRaw`WITH ${Prisma.join(ctes, ', ')} SELECT 1`;
  return { session, event };
}

/**
 * Moves a session and its calendar event (Property 57). Its reminders follow by themselves: they are
 * derived from the session's current time, and `rescheduledAt` tells which of them are already passed.
 */
export async function moveSession(
  tx: DbTx,
  s: SessionParties & { id: string; calendarEventId: string; scheduledAt: Date; duration: number },
  to: { scheduledAt: Date; duration: number },
  by: { userId: string; at: Date },
) {
  const { scheduledAt, duration } = to;
  const session = await tx.session.update({ where: { id: s.id }, data: { scheduledAt, duration, rescheduledAt: by.at } });
  const event = await moveCalendarEvent(tx, s.calendarEventId, scheduledAt, endOf(scheduledAt, duration));
  // The time it had too: what showed the old time (a seat freed there) is redrawn as well.
  const previous = { scheduledAt: s.scheduledAt.toISOString(), duration: s.duration };
  await writeNotifications(
    tx,
    partiesToTell(s, by.userId).map((userId) => ({
      userId,
      type: 'session.rescheduled' as const,
      payload: { sessionId: s.id, scheduledAt: scheduledAt.toISOString(), duration, sequence: event.sequence, previous, actorId: by.userId },
      dedupeKey: `session.rescheduled:${s.id}:${event.sequence}:${userId}`,
    })),
  );
  return { session, event };
}

/**
 * Cancels a session: status, calendar event, its booking (which frees the seat), and a notification
 * to its parties (Properties 20, 29). The coach's cancellation policy (docs/design.md §12): a
 * cancellation by the member from the cut-off on is recorded late, and its reserved credit is
 * consumed when the coach says so; any other cancellation releases the credit.
 */
export async function cancelSessionRecords(
  tx: DbTx,
  s: SessionParties & { id: string; calendarEventId: string; scheduledAt: Date },
  by: { userId: string | null; reason: string | null; at: Date },
) {
  const policy = await tx.coachProfile.findUnique({
    where: { userId: s.coachUserId },
    select: { cancellationCutoffHours: true, lateCancelConsumes: true, noShowConsumes: true },
  });
  const byMember = by.userId === s.memberUserId;
  const late = policy !== null && byMember && isLateCancellation(s.scheduledAt, by.at, policy.cancellationCutoffHours);
  const session = await tx.session.update({
    where: { id: s.id },
    data: { status: 'cancelled', cancelledAt: by.at, cancellationReason: by.reason, cancelledById: by.userId, cancelledLate: late },
  });
  await cancelCalendarEvent(tx, s.calendarEventId);
  await tx.sessionBooking.updateMany({
    where: { sessionId: s.id, status: 'confirmed' },
    data: { status: 'cancelled', cancelledAt: by.at },
  });
  const settlement = policy ? cancellationSettlement(policy, late, byMember) : 'release';
  await settleSessionCredit(tx, s.id, settlement, by);
  await notifyParties(tx, s, by.userId, 'session.cancelled', () => ({ sessionId: s.id, reason: by.reason, cancelledBy: by.userId, late }));
  return session;
}

/** Tells the parties of a session what `actorId` did to it (see partiesToTell), once per session and party. */
export async function notifyParties(
  tx: DbTx,
  s: SessionParties & { id: string },
  actorId: string | null,
  type: 'session.cancelled' | 'session.completed' | 'session.no_show',
  payload: (userId: string) => Record<string, unknown>,
): Promise<void> {
  await writeNotifications(
    tx,
    partiesToTell(s, actorId).map((userId) => ({ userId, type, payload: { ...payload(userId), actorId }, dedupeKey: `${type}:${s.id}:${userId}` })),
  );
}

/** A moved session's booking follows it, so availability edits protect the seat it now holds. */
export async function moveBooking(tx: DbTx, sessionId: string, scheduledAt: Date, duration: number, local: BookedTime): Promise<void> {
  await tx.sessionBooking.updateMany({
    where: { sessionId, status: 'confirmed' },
    data: { requestedDate: new Date(`${local.date}T00:00:00Z`), requestedTime: local.time, slotStartsAt: scheduledAt, duration },
  });
}
