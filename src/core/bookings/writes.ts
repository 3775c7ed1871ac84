import { randomUUID } from 'node:crypto';
import { Prisma, type SessionBookingModel, type SessionType } from '../../db/client.ts';
import { idempotencyCte, type KeyedRequest } from '../idempotency.ts';
import { notificationsCte, sessionInsertCtes } from '../sessions/records.ts';

// A booking's outcome is written in ONE statement (data-modifying CTEs): every statement is a round
// trip, and a booking's round trips are what its coach's other bookings queue behind. Built here, run
// by the booking transaction (bookings/service.ts), which may send one together with other statements.

export const BOOKING_OPERATION = 'bookings.create';

export interface BookingRequest {
  memberProfileId: string;
  memberUserId: string;
  coachUserId: string;
  requestedDate: string;
  requestedTime: string;
  slotStartsAt: Date;
  duration: number;
  memberNotes: string | null;
  type: SessionType;
}

export interface KeyOf {
  actorId: string;
  key: string;
  requestHash: string;
}

function bookingRow(r: BookingRequest, status: 'confirmed' | 'rejected', at: Date, extra: { sessionId?: string; rejectionReason?: string }): SessionBookingModel {
  return {
    id: randomUUID(),
    memberId: r.memberProfileId,
    coachId: r.coachUserId,
    requestedDate: new Date(`${r.requestedDate}T00:00:00Z`),
    requestedTime: r.requestedTime,
    slotStartsAt: r.slotStartsAt,
    duration: r.duration,
    status,
    memberNotes: r.memberNotes,
    sessionId: extra.sessionId ?? null,
    rejectionReason: extra.rejectionReason ?? null,
    cancelledAt: null,
    createdAt: at,
    updatedAt: at,
  };
}

function bookingCte(b: SessionBookingModel, date: string, name = 'booking_row'): Prisma.Sql {
  return Prisma.sql`${Prisma.raw(name)} AS (
    INSERT INTO "session_bookings" ("id", "memberId", "coachId", "requestedDate", "requestedTime", "slotStartsAt", "duration", "status",
      "memberNotes", "sessionId", "rejectionReason", "createdAt", "updatedAt")
    VALUES (${b.id}, ${b.memberId}, ${b.coachId}, ${date}::date, ${b.requestedTime}, ${b.slotStartsAt}, ${b.duration}, ${b.status}::"BookingStatus",
      ${b.memberNotes}, ${b.sessionId}, ${b.rejectionReason}, ${b.createdAt}, ${b.updatedAt}))`;
}

function keyRecord(k: KeyOf, resourceId: string): KeyedRequest & { resourceId: string } {
  return { userId: k.actorId, key: k.key, operation: BOOKING_OPERATION, requestHash: k.requestHash, resourceId };
}

/** A booking as written, and the one statement that writes it. */
export interface BookingWrite {
  booking: SessionBookingModel;
  statement: Prisma.Sql;
}

/**
 * The rows of a confirmed booking with its session, calendar event and notifications to its parties
 * (Properties 26, 28, 47), as CTEs without a key: a series (series.ts) writes several in one
 * statement, each under its own `prefix`, and one key for them all.
 */
export function confirmedBookingCtes(
  r: BookingRequest,
  actorId: string,
  at: Date,
  occurrence?: { prefix: string; series: { id: string; position: number } },
): { booking: SessionBookingModel; ctes: Prisma.Sql[] } {
  const bookingId = randomUUID();
  const prefix = occurrence?.prefix ?? '';
  const { session, ctes } = sessionInsertCtes(
    {
      memberProfileId: r.memberProfileId,
      memberUserId: r.memberUserId,
      coachUserId: r.coachUserId,
      scheduledAt: r.slotStartsAt,
      duration: r.duration,
      type: r.type,
      memberNotes: r.memberNotes,
      notify: 'booking.confirmed',
      payload: occurrence ? { bookingId, seriesId: occurrence.series.id, seriesPosition: occurrence.series.position } : { bookingId },
      actorId,
      series: occurrence?.series,
    },
    at,
    prefix,
  );
  const booking = { ...bookingRow(r, 'confirmed', at, { sessionId: session.id }), id: bookingId };
  return { booking, ctes: [...ctes, bookingCte(booking, r.requestedDate, `${prefix}booking_row`)] };
}

/** A confirmed booking (confirmedBookingCtes) and its idempotency key, in one statement. */
export function confirmedBookingWrite(r: BookingRequest, k: KeyOf, at: Date): BookingWrite {
  const { booking, ctes } = confirmedBookingCtes(r, k.actorId, at);
  const statement = Prisma.sql`WITH ${Prisma.join([...ctes, idempotencyCte('booking_key', keyRecord(k, booking.id), at)], ', ')} SELECT 1`;
  return { booking, statement };
}

/** A refused attempt, kept with its reason, and the member told (Property 48). */
export function rejectedBookingWrite(r: BookingRequest, k: KeyOf, reason: string, message: string, at: Date): BookingWrite {
  const booking = bookingRow(r, 'rejected', at, { rejectionReason: reason });
  const notification = {
    userId: r.memberUserId,
    type: 'booking.rejected' as const,
    payload: {
      bookingId: booking.id,
      coachId: r.coachUserId,
      requestedDate: r.requestedDate,
      requestedTime: r.requestedTime,
      slotStartsAt: r.slotStartsAt.toISOString(),
      duration: r.duration,
      reason,
      message,
    },
    dedupeKey: `booking.rejected:${booking.id}:${r.memberUserId}`,
  };
  const statement = Prisma.sql`WITH ${Prisma.join([
    bookingCte(booking, r.requestedDate),
    notificationsCte('booking_notification', [notification], at),
    idempotencyCte('booking_key', keyRecord(k, booking.id), at),
  ], ', ')} SELECT 1`;
  return { booking, statement };
}
