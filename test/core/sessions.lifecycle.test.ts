import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConflictError, ForbiddenError, ValidationError } from '../../src/core/index.ts';
import { setupCore, TEST_EPOCH } from '../helpers/core.ts';
import { setWindows } from './bookings.fixtures.ts';
import { DAY, HOUR, MINUTE, failure, seedSession, snapshot, world } from './sessions.fixtures.ts';

const ctx = await setupCore();
const { db, core, clock } = ctx;
let w: Awaited<ReturnType<typeof world>>;

beforeAll(async () => {
  w = await world(db);
});

const statusArb = fc.constantFrom('scheduled', 'completed', 'cancelled', 'no_show') as fc.Arbitrary<'scheduled' | 'completed' | 'cancelled' | 'no_show'>;

/** A session that started `minutesAgo` before a clock that has moved on a random amount. */
async function startedSession(minutesAgo: number, status: 'scheduled' | 'completed' | 'cancelled' | 'no_show' = 'scheduled') {
  clock.set(TEST_EPOCH.getTime() + 30 * DAY);
  const scheduledAt = new Date(clock.now().getTime() - minutesAgo * MINUTE);
  return seedSession(db, { coach: w.coach.user, member: w.member.user, scheduledAt, status });
}

describe('completing a session', () => {
  // Feature: coaching-platform, Property 19: Session Completion State
  it('Property 19: for any session marked as complete, the status is "completed" and completedAt is the current time', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 7 * 24 * 60 }),
        fc.integer({ min: 0, max: 59_999 }),
        fc.string({ minLength: 1, maxLength: 40 }).filter((s) => s.trim().length > 0),
        fc.option(fc.string({ maxLength: 40 }), { nil: undefined }),
        async (minutesAgo, jitterMs, coachNotes, outcomes) => {
          const session = await startedSession(minutesAgo);
          clock.advance(jitterMs);
          const now = clock.now();
          const done = await core.sessions.complete(w.coach.actor, session.id, { coachNotes, outcomes });
          expect(done.status).toBe('completed');
          expect(done.completedAt?.getTime()).toBe(now.getTime());
          const row = await db.session.findUniqueOrThrow({ where: { id: session.id } });
          expect(row.status).toBe('completed');
          expect(row.completedAt?.getTime()).toBe(now.getTime());
          expect(row.coachNotes).toBe(coachNotes.trim());
          expect(row.outcomes).toBe(outcomes ?? null);
        },
      ),
      { numRuns: 100 },
    );
  });

  // Feature: coaching-platform, Property 49: Session Completion Notification
  it('Property 49: for any session completed, completion notifications are sent to both coach and member', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 600 }), fc.boolean(), async (minutesAgo, byAdmin) => {
        const session = await startedSession(minutesAgo);
        await core.sessions.complete(byAdmin ? w.admin.actor : w.coach.actor, session.id, { coachNotes: 'went well' });
        const sent = await db.notification.findMany({ where: { type: 'session.completed', payload: { path: ['sessionId'], equals: session.id } } });
        // The coach completing it has the answer; an admin is not a party, so both are told.
        expect(sent.map((n) => n.userId).sort()).toEqual(byAdmin ? [w.coach.user.id, w.member.user.id].sort() : [w.member.user.id]);
        // The session is over: its pending reminders and prompts are gone.
        const timed = await db.notification.count({ where: { status: 'pending', dedupeKey: { startsWith: `timed:${session.id}:` } } });
        expect(timed).toBe(0);
      }),
      { numRuns: 100 },
    );
  });

  // Feature: coaching-platform, Property 61: Session Completion State Validation
  it('Property 61: for any session completion request, a non-scheduled session is rejected and nothing changes', async () => {
    await fc.assert(
      fc.asyncProperty(statusArb, fc.integer({ min: 0, max: 600 }), async (status, minutesAgo) => {
        const session = await startedSession(minutesAgo, status);
        const before = await snapshot(db, session.id);
        if (status === 'scheduled') {
          const done = await core.sessions.complete(w.coach.actor, session.id, { coachNotes: 'ok' });
          expect(done.status).toBe('completed');
          return;
        }
        const error = await failure(() => core.sessions.complete(w.coach.actor, session.id, { coachNotes: 'again' }));
        expect(error).toBeInstanceOf(ValidationError);
        expect(error.code).toBe('invalid_state');
        expect(await snapshot(db, session.id)).toEqual(before);
      }),
      { numRuns: 100 },
    );
  });

  it('refuses to complete a session before it starts (ValidationError session_not_started), writing nothing', async () => {
    clock.set(TEST_EPOCH);
    const session = await seedSession(db, { coach: w.coach.user, member: w.member.user, scheduledAt: new Date(TEST_EPOCH.getTime() + HOUR) });
    const before = await snapshot(db, session.id);
    const error = await failure(() => core.sessions.complete(w.coach.actor, session.id, { coachNotes: 'early' }));
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.code).toBe('session_not_started');
    expect(await snapshot(db, session.id)).toEqual(before);
  });

  it('lets only the session coach or an admin complete it', async () => {
    const session = await startedSession(10);
    for (const actor of [w.member.actor, w.otherCoach.actor, w.otherMember.actor]) {
      expect(await failure(() => core.sessions.complete(actor, session.id, { coachNotes: 'x' }))).toBeInstanceOf(ForbiddenError);
    }
    expect((await db.session.findUniqueOrThrow({ where: { id: session.id } })).status).toBe('scheduled');
  });
});

describe('cancelling a session', () => {
  // Feature: coaching-platform, Property 20: Session Cancellation Side Effects
  it('Property 20: for any session cancelled, status is "cancelled", the calendar event is cancelled and both parties are notified', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: -600, max: 7 * 24 * 60 }),
        fc.constantFrom('coach', 'member', 'admin'),
        fc.option(fc.string({ maxLength: 60 }), { nil: undefined }),
        async (minutesAgo, who, reason) => {
          // A member cancels only before the start (tested below); coaches and admins at any time.
          const session = await startedSession(who === 'member' ? -Math.abs(minutesAgo) - 1 : minutesAgo);
          const by = who === 'coach' ? w.coach : who === 'member' ? w.member : w.admin;
          const eventBefore = await db.calendarEvent.findUniqueOrThrow({ where: { id: session.calendarEventId } });
          const cancelled = await core.sessions.cancel(by.actor, session.id, { reason });
          expect(cancelled.status).toBe('cancelled');
          expect(cancelled.cancelledById).toBe(by.user.id);
          expect(cancelled.cancellationReason).toBe(reason ?? null);
          expect(cancelled.cancelledAt?.getTime()).toBe(clock.now().getTime());
          const event = await db.calendarEvent.findUniqueOrThrow({ where: { id: session.calendarEventId } });
          expect(event.status).toBe('cancelled');
          expect(event.sequence).toBeGreaterThan(eventBefore.sequence);
          const sent = await db.notification.findMany({ where: { type: 'session.cancelled', payload: { path: ['sessionId'], equals: session.id } } });
          // The parties less the one who cancelled (they have the answer); an admin is not a party.
          const told = { coach: [w.member.user.id], member: [w.coach.user.id], admin: [w.coach.user.id, w.member.user.id].sort() }[who];
          expect(sent.map((n) => n.userId).sort()).toEqual(told);
          const timed = await db.notification.count({ where: { status: 'pending', dedupeKey: { startsWith: `timed:${session.id}:` } } });
          expect(timed).toBe(0);
        },
      ),
      { numRuns: 100 },
    );
  });

  // Feature: coaching-platform, Property 62: Session Cancellation State Validation
  it('Property 62: for any session cancellation request, a completed session is rejected and nothing changes', async () => {
    await fc.assert(
      fc.asyncProperty(statusArb, fc.integer({ min: -600, max: 600 }), async (status, minutesAgo) => {
        const session = await startedSession(minutesAgo, status);
        const before = await snapshot(db, session.id);
        if (status === 'scheduled') {
          expect((await core.sessions.cancel(w.coach.actor, session.id)).status).toBe('cancelled');
          return;
        }
        const error = await failure(() => core.sessions.cancel(w.coach.actor, session.id, { reason: 'late' }));
        expect(error).toBeInstanceOf(ValidationError);
        expect(error.code).toBe('invalid_state');
        expect(await snapshot(db, session.id)).toEqual(before);
      }),
      { numRuns: 100 },
    );
  });

  it('lets neither another coach nor another member cancel', async () => {
    const session = await startedSession(-120);
    for (const actor of [w.otherCoach.actor, w.otherMember.actor]) {
      expect(await failure(() => core.sessions.cancel(actor, session.id))).toBeInstanceOf(ForbiddenError);
    }
  });
});

describe('no-shows', () => {
  it('marks a started scheduled session as a no-show of one party and tells the other', async () => {
    const session = await startedSession(5);
    const marked = await core.sessions.markNoShow(w.coach.actor, session.id, { party: 'member' });
    expect(marked.status).toBe('no_show');
    expect(marked.noShowParty).toBe('member');
    const sent = await db.notification.findMany({ where: { type: 'session.no_show', payload: { path: ['sessionId'], equals: session.id } } });
    expect(sent.map((n) => n.userId)).toEqual([w.member.user.id]);
    const again = await failure(() => core.sessions.markNoShow(w.coach.actor, session.id, { party: 'coach' }));
    expect(again).toBeInstanceOf(ValidationError);
    expect(again.code).toBe('invalid_state');
  });

  it('refuses a no-show before the start time and from a member', async () => {
    const future = await startedSession(-30);
    expect((await failure(() => core.sessions.markNoShow(w.coach.actor, future.id, { party: 'member' }))).code).toBe('session_not_started');
    const started = await startedSession(30);
    expect(await failure(() => core.sessions.markNoShow(w.member.actor, started.id, { party: 'coach' }))).toBeInstanceOf(ForbiddenError);
  });
});

describe('notes', () => {
  it('lets the session coach add coach notes and the member add member notes, nobody else', async () => {
    const session = await startedSession(-60);
    expect((await core.sessions.addCoachNotes(w.coach.actor, session.id, { notes: 'focus on sleep' })).coachNotes).toBe('focus on sleep');
    expect((await core.sessions.addMemberNotes(w.member.actor, session.id, { notes: 'knee hurts' })).memberNotes).toBe('knee hurts');
    expect(await failure(() => core.sessions.addCoachNotes(w.member.actor, session.id, { notes: 'x' }))).toBeInstanceOf(ForbiddenError);
    expect(await failure(() => core.sessions.addMemberNotes(w.coach.actor, session.id, { notes: 'x' }))).toBeInstanceOf(ForbiddenError);
    expect(await failure(() => core.sessions.addCoachNotes(w.otherCoach.actor, session.id, { notes: 'x' }))).toBeInstanceOf(ForbiddenError);
  });

  it('keeps ConflictError for duplicate ratings only (no lifecycle call answers 409)', async () => {
    const session = await startedSession(10, 'completed');
    const error = await failure(() => core.sessions.cancel(w.coach.actor, session.id));
    expect(error).not.toBeInstanceOf(ConflictError);
  });
});

describe('cancelling after the start', () => {
  it('for any session that has started, its member can no longer cancel it, while its coach still can', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 3 * 24 * 60 }), async (minutesAgo) => {
        const session = await startedSession(minutesAgo);
        const before = await snapshot(db, session.id);
        const error = await failure(() => core.sessions.cancel(w.member.actor, session.id, { reason: 'late' }));
        expect(error).toBeInstanceOf(ValidationError);
        expect((error as ValidationError).code).toBe('session_started');
        expect(await snapshot(db, session.id)).toEqual(before);
        const byCoach = await core.sessions.cancel(w.coach.actor, session.id, { reason: 'member absent' });
        expect(byCoach.status).toBe('cancelled');
      }),
      { numRuns: 100 },
    );
  });
});

describe('rescheduling after the start', () => {
  it('for any session that has started, its member can no longer reschedule it (as with cancelling), while its coach still can', async () => {
    await setWindows(db, w.coach.user.id, [0, 1, 2, 3, 4, 5, 6].map((dayOfWeek) => ({ dayOfWeek, startTime: '00:00', endTime: '24:00', maxSessionsPerSlot: 100 })));
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 3 * 24 * 60 }), async (minutesAgo) => {
        const session = await startedSession(minutesAgo);
        // A time the booking rule accepts (on the hour, past the minimum notice) that no other session of the member holds.
        const later = new Date(Math.ceil((clock.now().getTime() + 10 * DAY) / HOUR) * HOUR + run++ * HOUR);
        const before = await snapshot(db, session.id);
        const error = await failure(() => core.sessions.reschedule(w.member.actor, session.id, { scheduledAt: later }));
        expect(error).toBeInstanceOf(ValidationError);
        expect(error).toMatchObject({ code: 'session_started', status: 400 });
        expect(await snapshot(db, session.id)).toEqual(before);
        const byCoach = await core.sessions.reschedule(w.coach.actor, session.id, { scheduledAt: later });
        expect(byCoach.scheduledAt).toEqual(later);
        // Frees the seat for the next run.
        await core.sessions.cancel(w.coach.actor, session.id);
      }),
      { numRuns: 100 },
    );
  });

  it('lets the member reschedule up to the start', async () => {
    await setWindows(db, w.coach.user.id, [0, 1, 2, 3, 4, 5, 6].map((dayOfWeek) => ({ dayOfWeek, startTime: '00:00', endTime: '24:00', maxSessionsPerSlot: 100 })));
    clock.set(TEST_EPOCH.getTime() + 40 * DAY);
    const session = await seedSession(db, { coach: w.coach.user, member: w.member.user, scheduledAt: new Date(clock.now().getTime() + MINUTE) });
    const later = new Date(Math.ceil((clock.now().getTime() + 3 * HOUR) / HOUR) * HOUR);
    expect((await core.sessions.reschedule(w.member.actor, session.id, { scheduledAt: later })).scheduledAt).toEqual(later);
  });
});
