import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { minutesToClock } from '../../src/core/availability/index.ts';
import { ConflictError, ForbiddenError, NotFoundError, SLOT_FULL_MESSAGE, UnprocessableError, ValidationError } from '../../src/core/index.ts';
import { COACHING_SESSION_CATEGORY } from '../../src/core/calendar/index.ts';
import { pgPool } from '../../src/db/client.ts';
import { setupCore, TEST_EPOCH } from '../helpers/core.ts';
import { makeCoach, makeMember } from '../helpers/factories.ts';
import { advisoryLockWaiters } from '../helpers/locks.ts';
import { clearCoach, coachWorld, counts, failure, key, person, resetCoach, type CoachWorld, type Person } from './bookings.fixtures.ts';

const { db, core, clock } = await setupCore();
let w: CoachWorld;
let stranger: Person;
let otherCoach: Person;

beforeAll(async () => {
  w = await coachWorld(db, { members: 6, timezone: 'Europe/Berlin' });
  otherCoach = await person(db, makeCoach(db));
  stranger = await person(db, makeMember(db, { coachId: otherCoach.user.id }));
});

const coachId = () => w.coach.user.id;
const TUESDAY = '2030-01-08';
const member = (i: number) => w.members[i]!;

function request(m: Person, time: string, o: { date?: string; duration?: number; memberNotes?: string } = {}) {
  return { memberId: m.user.memberId!, coachId: coachId(), requestedDate: o.date ?? TUESDAY, requestedTime: time, duration: o.duration ?? 60, memberNotes: o.memberNotes };
}
const book = (m: Person, time: string, o: Parameters<typeof request>[2] = {}, k = key()) => core.bookings.create(m.actor, request(m, time, o), k);

/** Tuesday 09:00-17:00 Berlin time with `seats` seats and `buffer` minutes, nothing booked. */
async function arrange(seats = 1, buffer = 0) {
  clock.set(TEST_EPOCH);
  await resetCoach(db, coachId(), [{ dayOfWeek: 2, startTime: '09:00', endTime: '17:00', maxSessionsPerSlot: seats, bufferMinutes: buffer }]);
}

const hourArb = fc.integer({ min: 9, max: 16 }).map((h) => minutesToClock(h * 60));

describe('booking a slot', () => {
  // Feature: coaching-platform, Property 26: Booking Auto-Confirmation
  it('Property 26: for any booking created for an available slot, the booking is immediately confirmed and a session is created', async () => {
    await fc.assert(
      fc.asyncProperty(hourArb, fc.integer({ min: 1, max: 3 }), fc.integer({ min: 0, max: 5 }), async (time, seats, who) => {
        await arrange(seats);
        const listed = await core.availability.listSlots(undefined, { coachId: coachId(), startDate: TUESDAY, endDate: TUESDAY });
        const slot = listed.find((s) => s.time === time)!;
        const booking = await book(member(who), time);
        expect(booking.status).toBe('confirmed');
        expect(booking.sessionId).not.toBeNull();
        const session = await db.session.findUniqueOrThrow({ where: { id: booking.sessionId! } });
        expect(session).toMatchObject({ status: 'scheduled', coachId: coachId(), memberId: member(who).user.memberId, duration: 60 });
        expect(session.scheduledAt.toISOString()).toBe(slot.startsAt);
        expect(booking.slotStartsAt.toISOString()).toBe(slot.startsAt);
      }),
      { numRuns: 100 },
    );
  });

  // Feature: coaching-platform, Property 28: Booking Confirmation Side Effects
  it('Property 28: for any booking confirmed, a session is created, a calendar event is created, and confirmation notifications are sent', async () => {
    await fc.assert(
      fc.asyncProperty(hourArb, fc.integer({ min: 0, max: 5 }), fc.option(fc.string({ maxLength: 50 }), { nil: undefined }), async (time, who, memberNotes) => {
        await arrange(2);
        const booking = await book(member(who), time, { memberNotes });
        const session = await db.session.findUniqueOrThrow({ where: { id: booking.sessionId! }, include: { calendarEvent: { include: { attendees: true } } } });
        expect(session.memberNotes).toBe(memberNotes ?? null);
        const event = session.calendarEvent;
        expect(event).toMatchObject({ creatorId: coachId(), category: COACHING_SESSION_CATEGORY, status: 'confirmed' });
        expect(event.startsAt.getTime()).toBe(session.scheduledAt.getTime());
        expect(event.endsAt.getTime() - event.startsAt.getTime()).toBe(60 * 60_000);
        expect(event.attendees.map((a) => a.userId)).toEqual([member(who).user.id]);
        const confirmations = await db.notification.findMany({ where: { type: 'booking.confirmed', payload: { path: ['bookingId'], equals: booking.id } } });
        // The member booked: they have the answer, the coach is told.
        expect(confirmations.map((n) => n.userId)).toEqual([coachId()]);
      }),
      { numRuns: 100 },
    );
  });

  // Feature: coaching-platform, Property 47: Booking Confirmation Notification
  // The member is told by the booking's answer when they booked, by a notification otherwise; the
  // coach likewise. No one is told twice, and an admin (not a party) gets no notification.
  it('Property 47: for any booking confirmed, a confirmation notification is sent to the member', async () => {
    await fc.assert(
      fc.asyncProperty(hourArb, fc.integer({ min: 0, max: 5 }), fc.constantFrom<'member' | 'coach' | 'admin'>('member', 'coach', 'admin'), async (time, who, by) => {
        await arrange(1);
        const actor = by === 'member' ? member(who).actor : by === 'coach' ? w.coach.actor : w.admin.actor;
        const booking = await core.bookings.create(actor, request(member(who), time), key());
        const sent = await db.notification.findMany({ where: { type: 'booking.confirmed', payload: { path: ['bookingId'], equals: booking.id } } });
        const told = { member: [coachId()], coach: [member(who).user.id], admin: [member(who).user.id, coachId()] }[by];
        expect(sent.map((n) => n.userId).sort()).toEqual(told.sort());
        for (const n of sent) expect(n.payload).toMatchObject({ sessionId: booking.sessionId, scheduledAt: booking.slotStartsAt.toISOString(), duration: 60, actorId: actor.userId });
      }),
      { numRuns: 100 },
    );
  });

  // Feature: coaching-platform, Property 16: Slot Capacity Enforcement
  it('Property 16: for any availability slot with maxSessionsPerSlot=N and N bookings already confirmed, an additional booking is rejected with "slot full"', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 5 }), hourArb, async (seats, time) => {
        await arrange(seats);
        for (let i = 0; i < seats; i++) expect((await book(member(i), time)).status).toBe('confirmed');
        const error = await failure(book(member(5), time));
        expect(error).toBeInstanceOf(ConflictError);
        expect(error).toMatchObject({ code: 'slot_full', status: 409 });
        expect(error.message).toMatch(/slot is now full/);
        expect(await db.sessionBooking.count({ where: { coachId: coachId(), status: 'confirmed' } })).toBe(seats);
        expect(await db.session.count({ where: { coachId: coachId() } })).toBe(seats);
      }),
      { numRuns: 100 },
    );
  });

  // Feature: coaching-platform, Property 27: Booking Capacity Rejection
  it('Property 27: for any booking created for a slot at maximum capacity, the booking is rejected with "This slot is now full, please choose another"', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 3 }), hourArb, fc.integer({ min: 1, max: 2 }), async (seats, time, extra) => {
        await arrange(seats);
        for (let i = 0; i < seats; i++) await book(member(i), time);
        for (let j = 0; j < extra; j++) {
          const error = await failure(book(member(seats + j), time));
          expect(error.message).toBe(SLOT_FULL_MESSAGE);
          expect(error.message).toBe('This slot is now full, please choose another');
          // The refused attempt is recorded with its reason, and no session came of it.
          const rejected = await db.sessionBooking.findUniqueOrThrow({ where: { id: (error.details as { bookingId: string }).bookingId } });
          expect(rejected).toMatchObject({ status: 'rejected', rejectionReason: 'slot_full', sessionId: null, memberId: member(seats + j).user.memberId });
        }
        expect(await db.session.count({ where: { coachId: coachId() } })).toBe(seats);
      }),
      { numRuns: 100 },
    );
  });

  // Feature: coaching-platform, Property 48: Booking Rejection Notification
  it('Property 48: for any booking rejected due to capacity, a rejection notification is sent to the member', async () => {
    await fc.assert(
      fc.asyncProperty(hourArb, fc.integer({ min: 1, max: 5 }), async (time, who) => {
        await arrange(1);
        await book(member(0), time);
        const error = await failure(book(member(who), time));
        const bookingId = (error.details as { bookingId: string }).bookingId;
        const sent = await db.notification.findMany({ where: { type: 'booking.rejected', payload: { path: ['bookingId'], equals: bookingId } } });
        expect(sent.map((n) => n.userId)).toEqual([member(who).user.id]);
        expect(sent[0]!.payload).toMatchObject({ reason: 'slot_full', message: SLOT_FULL_MESSAGE, requestedTime: time });
      }),
      { numRuns: 100 },
    );
  });

  // Feature: coaching-platform, Property 29: Booking Cancellation Capacity Release
  it('Property 29: for any confirmed booking that is cancelled, the session is "cancelled" and the slot capacity is freed for new bookings', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 2 }), hourArb, fc.constantFrom<'member' | 'coach' | 'admin'>('member', 'coach', 'admin'), async (seats, time, by) => {
        await arrange(seats);
        const made = [];
        for (let i = 0; i < seats; i++) made.push(await book(member(i), time));
        const seatsLeft = async () =>
          (await core.availability.listSlots(undefined, { coachId: coachId(), startDate: TUESDAY, endDate: TUESDAY })).find((s) => s.time === time)?.availableCapacity ?? 0;
        expect(await seatsLeft()).toBe(0);
        const victim = made[seats - 1]!;
        const actor = by === 'member' ? member(seats - 1).actor : by === 'coach' ? w.coach.actor : w.admin.actor;
        const cancelled = await core.bookings.cancel(actor, victim.id, { reason: 'cannot make it' });
        expect(cancelled.status).toBe('cancelled');
        const session = await db.session.findUniqueOrThrow({ where: { id: victim.sessionId! }, include: { calendarEvent: true } });
        expect(session.status).toBe('cancelled');
        expect(session.calendarEvent.status).toBe('cancelled');
        expect(await seatsLeft()).toBe(1);
        expect((await book(member(5), time)).status).toBe('confirmed');
      }),
      { numRuns: 100 },
    );
  });

  // Feature: coaching-platform, Property 60: Booking Availability Validation
  it("Property 60: for any booking creation, the requested time must fall within the coach's availability; bookings outside it are rejected", async () => {
    await arrange(3);
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 6 }),
        fc.integer({ min: 0, max: 95 }).map((q) => minutesToClock(q * 15)),
        fc.constantFrom(30, 60),
        async (dayOffset, time, duration) => {
          await clearCoach(db, coachId());
          const date = new Date(Date.parse(TUESDAY) + dayOffset * 86_400_000).toISOString().slice(0, 10);
          const t = Number(time.slice(0, 2)) * 60 + Number(time.slice(3));
          // Only Tuesday 09:00-17:00 (Berlin), on the slot grid from 09:00.
          const inside = dayOffset === 0 && t >= 540 && t + duration <= 1020 && (t - 540) % duration === 0;
          const before = await counts(db);
          if (inside) {
            expect((await book(member(0), time, { date, duration })).status).toBe('confirmed');
          } else {
            const error = await failure(book(member(0), time, { date, duration }));
            expect(error).toBeInstanceOf(UnprocessableError);
            expect(error).toMatchObject({ code: 'outside_availability', status: 422 });
            // The refusal is recorded under its key, and nothing else is written.
            expect(await counts(db)).toEqual({ ...before, keys: before.keys + 1 });
          }
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe('listing and booking agree', () => {
  it('a slot is listed as bookable exactly when booking it succeeds, on the same state', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 2 }),
        fc.integer({ min: 0, max: 45 }),
        fc.array(fc.integer({ min: 0, max: 31 }).map((q) => minutesToClock(540 + q * 15)), { maxLength: 4 }),
        fc.integer({ min: 0, max: 39 }).map((q) => minutesToClock(510 + q * 15)),
        fc.constantFrom(30, 45, 60),
        fc.integer({ min: 0, max: 240 }),
        async (seats, buffer, earlier, candidate, duration, minutesIn) => {
          await arrange(seats, buffer);
          // Some bookings made earlier through the service (those that were refused simply are not there).
          for (const [i, time] of earlier.entries()) await book(member(i), time, { duration }).catch(() => undefined);
          // Time moves on: the notice window now covers some of Tuesday morning.
          clock.set(Date.parse('2030-01-08T06:00:00Z') + minutesIn * 60_000);
          const listed = await core.availability.listSlots(undefined, { coachId: coachId(), startDate: TUESDAY, endDate: TUESDAY, duration });
          const isListed = listed.some((s) => s.time === candidate);
          const outcome = await book(member(5), candidate, { duration }).then(
            (b) => b.status === 'confirmed',
            () => false,
          );
          expect(outcome).toBe(isListed);
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe('idempotency keys', () => {
  it('returns the first booking for a retried key and books nothing new', async () => {
    await arrange(3);
    const k = key();
    const first = await book(member(0), '10:00', {}, k);
    const before = await counts(db);
    const again = await book(member(0), '10:00', {}, k);
    expect(again.id).toBe(first.id);
    expect(await counts(db)).toEqual(before);
    const row = await db.idempotencyKey.findUniqueOrThrow({ where: { userId_key: { userId: member(0).user.id, key: k } } });
    expect(row).toMatchObject({ operation: 'bookings.create', resourceId: first.id });
    expect(row.requestHash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('answers the same slot_full refusal again for a retried key, even after a seat frees up', async () => {
    await arrange(1);
    const taken = await book(member(0), '11:00');
    const k = key();
    const refused = await failure(book(member(1), '11:00', {}, k));
    await core.bookings.cancel(member(0).actor, taken.id);
    const before = await counts(db);
    const replayed = await failure(book(member(1), '11:00', {}, k));
    expect(replayed).toMatchObject({ code: 'slot_full', message: SLOT_FULL_MESSAGE, details: refused.details });
    expect(await counts(db)).toEqual(before);
  });

  it('refuses a key reused for a different request', async () => {
    await arrange(3);
    const k = key();
    await book(member(0), '12:00', {}, k);
    const error = await failure(book(member(0), '13:00', {}, k));
    expect(error).toBeInstanceOf(UnprocessableError);
    expect(error).toMatchObject({ code: 'idempotency_key_reused', status: 422 });
  });

  it('books once when two requests with the same key race', async () => {
    for (let round = 0; round < 5; round++) {
      await arrange(3);
      const k = key();
      const results = await Promise.all([book(member(0), '14:00', {}, k), book(member(0), '14:00', {}, k), book(member(0), '14:00', {}, k)]);
      expect(new Set(results.map((b) => b.id)).size).toBe(1);
      expect(await db.sessionBooking.count({ where: { coachId: coachId() } })).toBe(1);
      expect(await db.session.count({ where: { coachId: coachId() } })).toBe(1);
    }
  });

  it('keeps keys per user: the same key from two members books twice', async () => {
    await arrange(3);
    const k = key();
    const a = await book(member(0), '15:00', {}, k);
    const b = await book(member(1), '15:00', {}, k);
    expect(a.id).not.toBe(b.id);
  });
});

describe('who may book, cancel and read', () => {
  it('lets a member book only for themself, only with their own coach; an admin books across assignments', async () => {
    await arrange(5);
    const forOther = await failure(core.bookings.create(member(0).actor, request(member(1), '09:00'), key()));
    expect(forOther).toMatchObject({ code: 'not_your_booking', status: 403 });
    const wrongCoach = await failure(core.bookings.create(stranger.actor, request(stranger, '09:00'), key()));
    expect(wrongCoach).toMatchObject({ code: 'not_your_coach', status: 422 });
    const byAdmin = await core.bookings.create(w.admin.actor, request(stranger, '09:00'), key());
    expect(byAdmin.status).toBe('confirmed');
    const byCoach = await core.bookings.create(w.coach.actor, request(member(2), '09:00'), key());
    expect(byCoach.status).toBe('confirmed');
    const otherCoachBooks = await failure(core.bookings.create(otherCoach.actor, request(member(2), '09:00'), key()));
    expect(otherCoachBooks).toMatchObject({ code: 'not_your_member', status: 403 });
    const revoked = { ...member(3).actor, permissions: new Set([...member(3).actor.permissions].filter((p) => p !== 'bookings:write')) };
    expect(await failure(core.bookings.create(revoked, request(member(3), '09:00'), key()))).toMatchObject({ code: 'missing_permission', status: 403 });
    const missingMember = await failure(core.bookings.create(w.admin.actor, { ...request(member(0), '10:00'), memberId: otherCoach.user.id }, key()));
    expect(missingMember).toBeInstanceOf(NotFoundError);
  });

  it('lets the member, the coach and an admin read and cancel a booking, and no one else', async () => {
    await arrange(2);
    const b = await book(member(0), '10:00');
    expect((await core.bookings.get(member(0).actor, b.id)).id).toBe(b.id);
    expect((await core.bookings.get(w.coach.actor, b.id)).id).toBe(b.id);
    expect((await core.bookings.get(w.admin.actor, b.id)).id).toBe(b.id);
    expect(await failure(core.bookings.get(member(1).actor, b.id))).toBeInstanceOf(ForbiddenError);
    expect(await failure(core.bookings.get(otherCoach.actor, b.id))).toBeInstanceOf(ForbiddenError);
    expect(await failure(core.bookings.cancel(member(1).actor, b.id))).toBeInstanceOf(ForbiddenError);
    expect(await failure(core.bookings.cancel(otherCoach.actor, b.id))).toBeInstanceOf(ForbiddenError);
    expect((await core.bookings.cancel(member(0).actor, b.id)).status).toBe('cancelled');
    // Cancelling again is a no-op; a rejected booking cannot be cancelled.
    expect((await core.bookings.cancel(w.coach.actor, b.id)).status).toBe('cancelled');
    await arrange(1);
    await book(member(0), '11:00');
    const refused = await failure(book(member(1), '11:00'));
    const rejectedId = (refused.details as { bookingId: string }).bookingId;
    expect(await failure(core.bookings.cancel(w.admin.actor, rejectedId))).toMatchObject({ code: 'booking_not_cancellable', status: 409 });
  });

  it('refuses a member cancelling a booking whose session has started, and lets the coach', async () => {
    await arrange(2);
    const b = await book(member(0), '10:00');
    const startedAt = (await db.session.findUniqueOrThrow({ where: { id: b.sessionId! } })).scheduledAt;
    const now = clock.now();
    try {
      clock.set(startedAt.getTime() + 5 * 60_000);
      expect(await failure(core.bookings.cancel(member(0).actor, b.id))).toMatchObject({ code: 'session_started', status: 400 });
      expect((await db.sessionBooking.findUniqueOrThrow({ where: { id: b.id } })).status).toBe('confirmed');
      expect((await core.bookings.cancel(w.coach.actor, b.id)).status).toBe('cancelled');
    } finally {
      clock.set(now);
    }
  });

  it('lists a member their own bookings, a coach theirs, an admin all, page by page', async () => {
    await arrange(5);
    for (let i = 0; i < 4; i++) await book(member(i % 2), minutesToClock((9 + i) * 60));
    const mine = await core.bookings.list(member(0).actor, {});
    expect(mine.items.length).toBe(2);
    expect(mine.items.every((b) => b.memberId === member(0).user.memberId)).toBe(true);
    const coachs = await core.bookings.list(w.coach.actor, { status: 'confirmed' });
    expect(coachs.items.length).toBe(4);
    expect((await core.bookings.list(otherCoach.actor, {})).items.every((b) => b.coachId === otherCoach.user.id)).toBe(true);
    const firstPage = await core.bookings.list(w.admin.actor, { coachId: coachId(), limit: 3 });
    expect(firstPage.items).toHaveLength(3);
    const secondPage = await core.bookings.list(w.admin.actor, { coachId: coachId(), limit: 3, cursor: firstPage.nextCursor! });
    expect(secondPage.items).toHaveLength(1);
    expect(secondPage.nextCursor).toBeNull();
    expect(new Set([...firstPage.items, ...secondPage.items].map((b) => b.id)).size).toBe(4);
    expect(await core.bookings.listPending(w.coach.actor, coachId())).toEqual([]);
    expect(await failure(core.bookings.listPending(otherCoach.actor, coachId()))).toBeInstanceOf(ForbiddenError);
  });
});

describe('invalid input to booking entry points', () => {
  it('answers a ValidationError naming the field and writes nothing', async () => {
    await arrange(2);
    const existing = await book(member(0), '09:00');
    const before = await counts(db);
    const m = member(1);
    const ok = request(m, '10:00');
    const cases: [Promise<unknown>, string][] = [
      [core.bookings.create(m.actor, { ...ok, memberId: 'x' }, key()), 'memberId'],
      [core.bookings.create(m.actor, { ...ok, coachId: undefined } as never, key()), 'coachId'],
      [core.bookings.create(m.actor, { ...ok, requestedDate: '2030-13-01' }, key()), 'requestedDate'],
      [core.bookings.create(m.actor, { ...ok, requestedDate: '08/01/2030' }, key()), 'requestedDate'],
      [core.bookings.create(m.actor, { ...ok, requestedTime: '25:00' }, key()), 'requestedTime'],
      [core.bookings.create(m.actor, { ...ok, duration: 0 }, key()), 'duration'],
      [core.bookings.create(m.actor, { ...ok, duration: 10_000 }, key()), 'duration'],
      [core.bookings.create(m.actor, { ...ok, type: 'vip' } as never, key()), 'type'],
      [core.bookings.create(m.actor, { ...ok, memberNotes: 'x'.repeat(2001) }, key()), 'memberNotes'],
      [core.bookings.create(m.actor, ok, ''), 'idempotencyKey'],
      [core.bookings.create(m.actor, ok, 'k'.repeat(201)), 'idempotencyKey'],
      [core.bookings.create(m.actor, ok, undefined), 'idempotencyKey'],
      [core.bookings.cancel(m.actor, 'nope'), 'id'],
      [core.bookings.cancel(member(0).actor, existing.id, { reason: 'r'.repeat(501) }), 'reason'],
      [core.bookings.get(m.actor, '1'), 'id'],
      [core.bookings.list(m.actor, { status: 'lost' } as never), 'status'],
      [core.bookings.list(m.actor, { limit: 0 }), 'limit'],
      [core.bookings.list(m.actor, { cursor: 'abc' }), 'cursor'],
      [core.bookings.list(m.actor, { from: '2030-02-31' }), 'from'],
      [core.bookings.listPending(w.coach.actor, 'coach'), 'coachId'],
    ];
    for (const [call, field] of cases) {
      const error = await failure(call);
      expect(error, field).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).issues.map((i) => i.field), field).toContain(field);
    }
    expect(await counts(db)).toEqual(before);
    expect((await db.sessionBooking.findUniqueOrThrow({ where: { id: existing.id } })).status).toBe('confirmed');
  });
});

describe('same-key requests that deadlock', () => {
  it('runs a booking again when PostgreSQL aborts it to break a deadlock, instead of failing with it', async () => {
    await arrange(1);
    const m = member(0);
    const k = key();
    // Plays the other same-key request on the slow path: it holds the coach lock, then writes the key.
    const other = await pgPool(db).connect();
    let pending: Promise<unknown> | undefined;
    try {
      await other.query('BEGIN');
      await other.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`coach:${coachId()}`]);
      pending = book(m, '10:00', {}, k).then(
        (b) => b,
        (e: unknown) => e,
      );
      // The fast path has written its key and waits for the coach lock.
      await advisoryLockWaiters(pgPool(db));
      // The cycle (booking waits for the lock, this for the booking's key) aborts the booking, which waited first.
      await other
        .query(`INSERT INTO "idempotency_keys" ("userId", "key", "operation", "requestHash", "resourceId") VALUES ($1, $2, 'x', 'x', 'x')`, [m.user.id, k])
        .catch(() => undefined);
      await other.query('ROLLBACK');
    } finally {
      other.release();
    }
    expect(await pending).toMatchObject({ status: 'confirmed', requestedTime: '10:00' });
  });
});
