import { randomUUID } from 'node:crypto';
import type { Actor } from '../../src/core/index.ts';
import { Prisma, type Db } from '../../src/db/client.ts';
import { actorOf, makeAdmin, makeCoach, makeMember, type MadeUser } from '../helpers/factories.ts';

// Shared arrangements for the availability, slot and booking tests: a coach in a zone with members
// assigned to them, windows written as rows, and helpers that read the booking state back.

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

export interface Person {
  user: MadeUser;
  actor: Actor;
}

export async function person(db: Db, made: Promise<MadeUser>): Promise<Person> {
  const user = await made;
  return { user, actor: await actorOf(db, user) };
}

export interface CoachWorld {
  coach: Person;
  members: Person[];
  admin: Person;
}

export async function coachWorld(db: Db, o: { timezone?: string; members?: number } = {}): Promise<CoachWorld> {
  const coach = await person(db, makeCoach(db, { coachTimezone: o.timezone ?? 'UTC' }));
  const members: Person[] = [];
  for (let i = 0; i < (o.members ?? 1); i++) members.push(await person(db, makeMember(db, { coachId: coach.user.id })));
  const admin = await person(db, makeAdmin(db));
  return { coach, members, admin };
}

export interface WindowRow {
  dayOfWeek: number;
  startTime: string;
  endTime: string;
  maxSessionsPerSlot?: number;
  bufferMinutes?: number;
}

/** Replaces a coach's windows with these rows, bypassing the service (arrangement only). */
export async function setWindows(db: Db, coachId: string, windows: WindowRow[]): Promise<void> {
  await db.$transaction([
    db.coachAvailability.deleteMany({ where: { coachId } }),
    db.coachAvailability.createMany({
      data: windows.map((w) => ({ id: randomUUID(), coachId, maxSessionsPerSlot: 1, bufferMinutes: 0, ...w })),
    }),
  ]);
}

/**
 * In one statement: drops a coach's bookings, sessions (with their calendar events) and windows,
 * and writes these windows. Property runs call it first, so each starts from a known state cheaply.
 */
export async function resetCoach(db: Db, coachId: string, windows: WindowRow[]): Promise<void> {
  const rows = windows.map(
    (w) => Prisma.sql`(${randomUUID()}, ${coachId}, ${w.dayOfWeek}, ${w.startTime}, ${w.endTime}, ${w.maxSessionsPerSlot ?? 1}, ${w.bufferMinutes ?? 0}, now())`,
  );
  await db.$executeRaw`
    WITH bookings AS (DELETE FROM "session_bookings" WHERE "coachId" = ${coachId}),
      events AS (DELETE FROM "calendar_events" WHERE "creatorId" = ${coachId}),
      windows AS (DELETE FROM "coach_availability" WHERE "coachId" = ${coachId})
    ${rows.length
      ? Prisma.sql`INSERT INTO "coach_availability" ("id", "coachId", "dayOfWeek", "startTime", "endTime", "maxSessionsPerSlot", "bufferMinutes", "updatedAt") VALUES ${Prisma.join(rows, ', ')}`
      : Prisma.sql`SELECT 1`}`;
}

/** Removes every booking, session and calendar event of a coach, so a property run starts empty. */
export async function clearCoach(db: Db, coachId: string): Promise<void> {
  await db.$transaction([
    db.sessionBooking.deleteMany({ where: { coachId } }),
    db.session.deleteMany({ where: { coachId } }),
    db.calendarEvent.deleteMany({ where: { creatorId: coachId } }),
  ]);
}

export function key(): string {
  return randomUUID();
}

/** The error a promise rejects with (fails the test if it resolves). */
export async function failure(p: Promise<unknown>): Promise<Error & { code?: string; status?: number; details?: unknown }> {
  try {
    await p;
  } catch (error) {
    return error as Error & { code?: string };
  }
  throw new Error('expected a failure');
}

/** Row counts that must not move when a call is refused. */
export async function counts(db: Db) {
  const [bookings, sessions, events, notifications, keys, windows] = await Promise.all([
    db.sessionBooking.count(),
    db.session.count(),
    db.calendarEvent.count(),
    db.notification.count(),
    db.idempotencyKey.count(),
    db.coachAvailability.count(),
  ]);
  return { bookings, sessions, events, notifications, keys, windows };
}
