import { TEST_EPOCH } from '../helpers/core.ts';
import { randomUUID } from 'node:crypto';
import type { Db, SessionStatus, SessionType } from '../../src/db/client.ts';
import type { Actor } from '../../src/core/index.ts';
import { insertSession } from '../../src/core/sessions/records.ts';
import { actorOf, makeAdmin, makeCoach, makeMember, type MadeUser, type UserOverrides } from '../helpers/factories.ts';

// Arrangement helpers for the sessions, dashboards, calendar and lifecycle tests. They write the
// rows the services write (through the shared session records), so a test can put a session in
// any state or time without walking it through the whole lifecycle first.

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

export interface Party {
  user: MadeUser;
  actor: Actor;
}

export async function party(db: Db, role: 'Member' | 'Coach' | 'Admin', o: UserOverrides = {}): Promise<Party> {
  const make = role === 'Member' ? makeMember : role === 'Coach' ? makeCoach : makeAdmin;
  const user = await make(db, o);
  return { user, actor: await actorOf(db, user) };
}

/** A coach with one assigned member, another coach with their own member, and an admin. */
export async function world(db: Db) {
  const coach = await party(db, 'Coach');
  const member = await party(db, 'Member', { coachId: coach.user.id });
  const otherCoach = await party(db, 'Coach');
  const otherMember = await party(db, 'Member', { coachId: otherCoach.user.id });
  const admin = await party(db, 'Admin');
  return { coach, member, otherCoach, otherMember, admin };
}

export interface SeedSession {
  coach: MadeUser;
  member: MadeUser;
  scheduledAt: Date;
  duration?: number;
  type?: SessionType;
  status?: SessionStatus;
  coachNotes?: string | null;
  memberNotes?: string | null;
  rating?: number | null;
}

/** A session written directly (no bookability check), then put in the requested state. */
export async function seedSession(db: Db, s: SeedSession) {
  return db.$transaction(async (tx) => {
    const { session } = await insertSession(tx, {
      memberProfileId: s.member.memberId as string,
      memberUserId: s.member.id,
      coachUserId: s.coach.id,
      scheduledAt: s.scheduledAt,
      duration: s.duration ?? 60,
      type: s.type ?? 'regular',
      memberNotes: s.memberNotes ?? null,
      notify: 'session.created',
    }, TEST_EPOCH);
    const status = s.status ?? 'scheduled';
    if (status === 'scheduled' && s.coachNotes === undefined && s.rating === undefined) return session;
    return tx.session.update({
      where: { id: session.id },
      data: {
        status,
        coachNotes: s.coachNotes ?? null,
        rating: s.rating ?? null,
        completedAt: status === 'completed' ? s.scheduledAt : null,
        cancelledAt: status === 'cancelled' ? s.scheduledAt : null,
        noShowParty: status === 'no_show' ? 'member' : null,
      },
    });
  });
}

/**
 * Many sessions in two statements (events, then sessions), without notifications: for tests that
 * only read sessions back (dashboards, lists, aggregates) and need many of them cheaply.
 */
export async function seedSessions(db: Db, specs: readonly SeedSession[]): Promise<{ id: string; calendarEventId: string }[]> {
  if (specs.length === 0) return [];
  const rows = specs.map((s) => {
    const eventId = randomUUID();
    const duration = s.duration ?? 60;
    const status = s.status ?? 'scheduled';
    return {
      event: {
        id: eventId,
        title: 'Coaching Session',
        category: 'Coaching Session',
        startsAt: s.scheduledAt,
        endsAt: new Date(s.scheduledAt.getTime() + duration * MINUTE),
        creatorId: s.coach.id,
        icalUid: `${eventId}@coachbot`,
        status: status === 'cancelled' ? ('cancelled' as const) : ('confirmed' as const),
      },
      session: {
        id: randomUUID(),
        calendarEventId: eventId,
        memberId: s.member.memberId as string,
        coachId: s.coach.id,
        type: s.type ?? 'regular',
        status,
        duration,
        scheduledAt: s.scheduledAt,
        coachNotes: s.coachNotes ?? null,
        memberNotes: s.memberNotes ?? null,
        rating: s.rating ?? null,
        completedAt: status === 'completed' ? s.scheduledAt : null,
        cancelledAt: status === 'cancelled' ? s.scheduledAt : null,
        noShowParty: status === 'no_show' ? ('member' as const) : null,
      },
    };
  });
  await db.$transaction([
    db.calendarEvent.createMany({ data: rows.map((r) => r.event) }),
    db.calendarEventAttendee.createMany({ data: rows.map((r, i) => ({ eventId: r.event.id, userId: (specs[i] as SeedSession).member.id })) }),
    db.session.createMany({ data: rows.map((r) => r.session) }),
  ]);
  return rows.map((r) => ({ id: r.session.id, calendarEventId: r.event.id }));
}

/** Everything observable about a session, to show that a refused call wrote nothing. */
export async function snapshot(db: Db, sessionId: string) {
  const session = await db.session.findUniqueOrThrow({ where: { id: sessionId }, include: { calendarEvent: true, booking: true } });
  const notifications = await db.notification.findMany({
    where: { payload: { path: ['sessionId'], equals: sessionId } },
    orderBy: { dedupeKey: 'asc' },
    select: { dedupeKey: true, type: true, deliverAfter: true },
  });
  return { session, notifications };
}

/** Runs a call expected to fail and returns the error, failing the test when it succeeds. */
export async function failure(call: () => Promise<unknown>): Promise<Error & { code?: string; issues?: { field: string }[] }> {
  try {
    await call();
  } catch (error) {
    return error as Error & { code?: string };
  }
  throw new Error('expected the call to fail, but it succeeded');
}
