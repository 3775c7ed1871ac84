import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConflictError, ForbiddenError, NotFoundError, UnprocessableError, ValidationError } from '../../src/core/index.ts';
import { minutesToClock } from '../../src/core/availability/index.ts';
import { setupCore, TEST_EPOCH } from '../helpers/core.ts';
import { makeCoach } from '../helpers/factories.ts';
import { coachWorld, resetCoach, counts, failure, key, person, type CoachWorld, type Person } from './bookings.fixtures.ts';

const { db, core, clock } = await setupCore();
let w: CoachWorld;
let other: Person;

beforeAll(async () => {
  w = await coachWorld(db, { members: 2 });
  other = await person(db, makeCoach(db));
});

const coachId = () => w.coach.user.id;
const toMinutes = (t: string) => Number(t.slice(0, 2)) * 60 + Number(t.slice(3, 5));
const TUESDAY = '2030-01-08';

async function book(member: Person, date: string, time: string, duration = 60) {
  return core.bookings.create(member.actor, { memberId: member.user.memberId!, coachId: coachId(), requestedDate: date, requestedTime: time, duration }, key());
}

describe('creating availability', () => {
  const validStart = fc.integer({ min: 0, max: 47 }).map((h) => minutesToClock(h * 30));
  const validEnd = fc.integer({ min: 1, max: 48 }).map((h) => minutesToClock(h * 30));
  const badTime = fc.constantFrom('24:30', '9:00', '12:60', '25:00', 'noon', '', '12:00:00');

  // Feature: coaching-platform, Property 11: Availability Slot Validation
  it('Property 11: for any availability slot creation, dayOfWeek is 0-6, startTime is before endTime in HH:mm format, and maxSessionsPerSlot > 0', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof({ weight: 4, arbitrary: fc.integer({ min: 0, max: 6 }) }, { weight: 1, arbitrary: fc.constantFrom<unknown>(-1, 7, 2.5, '3', null) }),
        fc.oneof({ weight: 4, arbitrary: validStart }, { weight: 1, arbitrary: badTime }),
        fc.oneof({ weight: 4, arbitrary: validEnd }, { weight: 1, arbitrary: badTime }),
        fc.oneof({ weight: 4, arbitrary: fc.integer({ min: 1, max: 100 }) }, { weight: 1, arbitrary: fc.constantFrom<unknown>(0, -3, 101, 1.5) }),
        fc.oneof({ weight: 4, arbitrary: fc.integer({ min: 0, max: 240 }) }, { weight: 1, arbitrary: fc.constantFrom<unknown>(-1, 241, 7.5) }),
        async (dayOfWeek, startTime, endTime, maxSessionsPerSlot, bufferMinutes) => {
          await db.coachAvailability.deleteMany({ where: { coachId: coachId() } });
          const isTime = (t: string, end: boolean) => /^([01]\d|2[0-3]):[0-5]\d$/.test(t) || (end && t === '24:00');
          const bad = new Set<string>();
          if (!(Number.isInteger(dayOfWeek) && (dayOfWeek as number) >= 0 && (dayOfWeek as number) <= 6)) bad.add('dayOfWeek');
          if (!isTime(startTime, false)) bad.add('startTime');
          if (!isTime(endTime, true)) bad.add('endTime');
          if (bad.size === 0 && toMinutes(startTime) >= toMinutes(endTime)) bad.add('endTime');
          if (!(Number.isInteger(maxSessionsPerSlot) && (maxSessionsPerSlot as number) >= 1 && (maxSessionsPerSlot as number) <= 100)) bad.add('maxSessionsPerSlot');
          if (!(Number.isInteger(bufferMinutes) && (bufferMinutes as number) >= 0 && (bufferMinutes as number) <= 240)) bad.add('bufferMinutes');

          const input = { dayOfWeek, startTime, endTime, maxSessionsPerSlot, bufferMinutes } as never;
          if (bad.size === 0) {
            const created = await core.availability.create(w.coach.actor, input);
            expect(created).toMatchObject({ coachId: coachId(), dayOfWeek, startTime, endTime, maxSessionsPerSlot, bufferMinutes, isActive: true });
            expect(await db.coachAvailability.count({ where: { coachId: coachId() } })).toBe(1);
          } else {
            const error = await failure(core.availability.create(w.coach.actor, input));
            expect(error).toBeInstanceOf(ValidationError);
            const fields = (error as ValidationError).issues.map((i) => i.field);
            expect(fields.some((f) => bad.has(f))).toBe(true);
            expect(await db.coachAvailability.count({ where: { coachId: coachId() } })).toBe(0);
          }
        },
      ),
      { numRuns: 100 },
    );
  });

  const span = fc
    .tuple(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 1, max: 24 }))
    .filter(([a, b]) => a < b)
    .map(([a, b]) => ({ startTime: minutesToClock(a * 60), endTime: minutesToClock(b * 60) }));

  // Feature: coaching-platform, Property 12: Availability Overlap Prevention
  it('Property 12: for any coach with an existing availability slot on a given day and time range, creating an overlapping slot is rejected with a conflict error', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 2 }), span, fc.integer({ min: 1, max: 2 }), span, async (dayA, a, dayB, b) => {
        await db.coachAvailability.deleteMany({ where: { coachId: coachId() } });
        const first = await core.availability.create(w.coach.actor, { dayOfWeek: dayA, ...a });
        const overlaps = dayA === dayB && toMinutes(a.startTime) < toMinutes(b.endTime) && toMinutes(b.startTime) < toMinutes(a.endTime);
        if (overlaps) {
          const error = await failure(core.availability.create(w.coach.actor, { dayOfWeek: dayB, ...b }));
          expect(error).toBeInstanceOf(ConflictError);
          expect(error).toMatchObject({ code: 'availability_overlap', status: 409, details: { availabilityId: first.id } });
          expect(await db.coachAvailability.count({ where: { coachId: coachId() } })).toBe(1);
        } else {
          await core.availability.create(w.coach.actor, { dayOfWeek: dayB, ...b });
          expect(await db.coachAvailability.count({ where: { coachId: coachId() } })).toBe(2);
        }
      }),
      { numRuns: 100 },
    );
  });

  it('lets only one of many concurrent overlapping creates through (the check runs under the coach lock)', async () => {
    await db.coachAvailability.deleteMany({ where: { coachId: coachId() } });
    const attempts = Array.from({ length: 8 }, (_, i) => core.availability.create(w.coach.actor, { dayOfWeek: 4, startTime: minutesToClock(540 + i * 15), endTime: '18:00' }));
    const results = await Promise.allSettled(attempts);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results) if (r.status === 'rejected') expect(r.reason).toMatchObject({ code: 'availability_overlap' });
    expect(await db.coachAvailability.count({ where: { coachId: coachId() } })).toBe(1);
  });

  it('lets a coach manage only their own windows, an admin any, and a member none', async () => {
    await db.coachAvailability.deleteMany({ where: { coachId: { in: [coachId(), other.user.id] } } });
    expect(await failure(core.availability.create(other.actor, { coachId: coachId(), dayOfWeek: 1, startTime: '09:00', endTime: '10:00' }))).toMatchObject({
      code: 'not_your_availability',
      status: 403,
    });
    expect(await failure(core.availability.create(w.members[0]!.actor, { dayOfWeek: 1, startTime: '09:00', endTime: '10:00' }))).toBeInstanceOf(ForbiddenError);
    const byAdmin = await core.availability.create(w.admin.actor, { coachId: coachId(), dayOfWeek: 1, startTime: '09:00', endTime: '10:00' });
    expect(byAdmin.coachId).toBe(coachId());
    expect(await failure(core.availability.update(other.actor, byAdmin.id, { endTime: '11:00' }))).toBeInstanceOf(ForbiddenError);
    expect(await failure(core.availability.delete(other.actor, byAdmin.id))).toBeInstanceOf(ForbiddenError);
    const own = await core.availability.create(other.actor, { dayOfWeek: 1, startTime: '09:00', endTime: '10:00' });
    expect(own.coachId).toBe(other.user.id);
    expect((await core.availability.listByCoach(w.members[0]!.actor, coachId())).map((x) => x.id)).toEqual([byAdmin.id]);
    // An admin creating for a user who is not a coach gets a 404, not a stray row.
    expect(await failure(core.availability.create(w.admin.actor, { coachId: w.members[0]!.user.id, dayOfWeek: 1, startTime: '09:00', endTime: '10:00' }))).toBeInstanceOf(NotFoundError);
  });

  it('accepts 24:00 as the end of the day and refuses a window that ends before it starts', async () => {
    await db.coachAvailability.deleteMany({ where: { coachId: coachId() } });
    const late = await core.availability.create(w.coach.actor, { dayOfWeek: 5, startTime: '22:00', endTime: '24:00' });
    expect(late.endTime).toBe('24:00');
    const error = await failure(core.availability.update(w.coach.actor, late.id, { startTime: '23:00', endTime: '22:30' }));
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).issues[0]?.field).toBe('endTime');
    const half = await failure(core.availability.update(w.coach.actor, late.id, { startTime: '24:00' }));
    expect((half as ValidationError).issues[0]?.field).toBe('startTime');
  });
});

describe('changing and deleting availability with bookings', () => {
  /** Tuesday 08:00-14:00, two seats, no buffer; bookings on Tuesday 2030-01-08 at the given hours. */
  async function arrange(hours: number[]) {
    clock.set(TEST_EPOCH);
    await resetCoach(db, coachId(), [
      { dayOfWeek: 2, startTime: '08:00', endTime: '14:00', maxSessionsPerSlot: 2 },
      { dayOfWeek: 3, startTime: '08:00', endTime: '12:00', maxSessionsPerSlot: 2 },
    ]);
    const window = await db.coachAvailability.findFirstOrThrow({ where: { coachId: coachId(), dayOfWeek: 2 } });
    const seats = new Map<number, number>();
    const bookings: { id: string; hour: number }[] = [];
    for (const hour of hours) {
      const taken = seats.get(hour) ?? 0;
      if (taken >= 2) continue;
      seats.set(hour, taken + 1);
      const b = await book(w.members[taken]!, TUESDAY, minutesToClock(hour * 60));
      bookings.push({ id: b.id, hour });
    }
    return { window, bookings };
  }

  const hoursArb = fc.array(fc.integer({ min: 8, max: 13 }), { minLength: 1, maxLength: 4 });

  // Feature: coaching-platform, Property 13: Availability Update Protection
  it('Property 13: for any availability slot with existing bookings, updating the time range to exclude those bookings is rejected with a conflict error', async () => {
    await fc.assert(
      fc.asyncProperty(
        hoursArb,
        fc.record({
          startTime: fc.option(fc.integer({ min: 14, max: 22 }).map((h) => minutesToClock(h * 30)), { nil: undefined }),
          endTime: fc.option(fc.integer({ min: 23, max: 30 }).map((h) => minutesToClock(h * 30)), { nil: undefined }),
          dayOfWeek: fc.option(fc.constantFrom(2, 4), { nil: undefined }),
          maxSessionsPerSlot: fc.option(fc.integer({ min: 1, max: 3 }), { nil: undefined }),
        }),
        async (hours, patch) => {
          const { window, bookings } = await arrange(hours);
          const after = { startTime: '08:00', endTime: '14:00', dayOfWeek: 2, maxSessionsPerSlot: 2, ...stripUndefined(patch) };
          const start = toMinutes(after.startTime);
          const end = toMinutes(after.endTime);
          const perHour = new Map<number, number>();
          for (const b of bookings) perHour.set(b.hour, (perHour.get(b.hour) ?? 0) + 1);
          const stranded = bookings.filter((b) => {
            const t = b.hour * 60;
            const placed = after.dayOfWeek === 2 && t >= start && t + 60 <= end && (t - start) % 60 === 0;
            return !placed || perHour.get(b.hour)! > after.maxSessionsPerSlot;
          });
          if (stranded.length > 0) {
            const error = await failure(core.availability.update(w.coach.actor, window.id, patch));
            expect(error).toBeInstanceOf(ConflictError);
            expect(error).toMatchObject({ code: 'availability_strands_bookings', status: 409 });
            expect(((error.details as { bookingIds: string[] }).bookingIds).sort()).toEqual(stranded.map((b) => b.id).sort());
            expect(await db.coachAvailability.findUniqueOrThrow({ where: { id: window.id } })).toMatchObject({ startTime: '08:00', endTime: '14:00', dayOfWeek: 2, maxSessionsPerSlot: 2 });
          } else {
            const updated = await core.availability.update(w.coach.actor, window.id, patch);
            expect(updated).toMatchObject(after);
          }
        },
      ),
      { numRuns: 100 },
    );
  });

  // Feature: coaching-platform, Property 14: Availability Deletion Protection
  it('Property 14: for any availability slot with existing confirmed bookings, deleting the slot is rejected; slots without bookings are deletable', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 8, max: 13 }), { maxLength: 3 }),
        fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }),
        fc.boolean(),
        async (hours, cancelled, afterThem) => {
          const { window, bookings } = await arrange(hours);
          for (const [i, b] of bookings.entries()) if (cancelled[i]) await core.bookings.cancel(w.admin.actor, b.id);
          // Bookings that have already taken place no longer hold the window.
          if (afterThem) clock.set(Date.parse(`${TUESDAY}T15:00:00Z`));
          const upcoming = afterThem ? [] : bookings.filter((_, i) => !cancelled[i]).map((b) => b.id);
          if (upcoming.length > 0) {
            const error = await failure(core.availability.delete(w.coach.actor, window.id));
            expect(error).toBeInstanceOf(UnprocessableError);
            expect(error).toMatchObject({ code: 'availability_has_bookings', status: 422 });
            expect(((error.details as { bookingIds: string[] }).bookingIds).sort()).toEqual([...upcoming].sort());
            expect(await db.coachAvailability.count({ where: { id: window.id } })).toBe(1);
          } else {
            await core.availability.delete(w.coach.actor, window.id);
            expect(await db.coachAvailability.count({ where: { id: window.id } })).toBe(0);
          }
        },
      ),
      { numRuns: 100 },
    );
  });

  it('moves a window when the bookings still fit another window of the new schedule', async () => {
    const { window } = await arrange([9]);
    // Wednesday keeps its own window; moving Tuesday's window to Friday strands the Tuesday booking.
    expect(await failure(core.availability.update(w.coach.actor, window.id, { dayOfWeek: 5 }))).toMatchObject({ code: 'availability_strands_bookings' });
    // Shrinking around the booking keeps it.
    expect(await core.availability.update(w.coach.actor, window.id, { startTime: '09:00', endTime: '10:00' })).toMatchObject({ startTime: '09:00', endTime: '10:00' });
    // Deactivating strands it; other fields (buffer) do not.
    expect(await failure(core.availability.update(w.coach.actor, window.id, { isActive: false }))).toMatchObject({ code: 'availability_strands_bookings' });
    expect(await core.availability.update(w.coach.actor, window.id, { bufferMinutes: 30 })).toMatchObject({ bufferMinutes: 30 });
  });

  it('protects sessions created without a booking, placed in the coach\'s zone', async () => {
    const { window } = await arrange([9]);
    const booking = await db.sessionBooking.findFirstOrThrow({ where: { coachId: coachId(), status: 'confirmed' } });
    // POST /sessions makes booked time with no booking row: Tuesday 11:00 in the coach's zone (UTC).
    const session = await core.sessions.create(w.coach.actor, {
      memberId: w.members[1]!.user.memberId!,
      coachId: coachId(),
      scheduledAt: `${TUESDAY}T11:00:00.000Z`,
      duration: 60,
      type: 'regular',
    });
    const shrink = await failure(core.availability.update(w.coach.actor, window.id, { startTime: '08:00', endTime: '10:00' }));
    expect(shrink).toBeInstanceOf(ConflictError);
    expect(shrink).toMatchObject({ code: 'availability_strands_bookings', status: 409, details: { sessionIds: [session.id], bookingIds: [] } });
    const removal = await failure(core.availability.delete(w.coach.actor, window.id));
    expect(removal).toMatchObject({ code: 'availability_has_bookings', status: 422 });
    const details = removal.details as { sessionIds: string[]; bookingIds: string[] };
    expect(details.sessionIds.sort()).toEqual([booking.sessionId!, session.id].sort());
    expect(details.bookingIds).toEqual([booking.id]);
    expect(await db.coachAvailability.findUniqueOrThrow({ where: { id: window.id } })).toMatchObject({ startTime: '08:00', endTime: '14:00' });
    // Once cancelled it holds nothing.
    await core.sessions.cancel(w.coach.actor, session.id, { reason: 'moved' });
    expect(await core.availability.update(w.coach.actor, window.id, { startTime: '08:00', endTime: '10:00' })).toMatchObject({ endTime: '10:00' });
  });
});

describe('invalid input to availability entry points', () => {
  it('answers a ValidationError naming the field and writes nothing', async () => {
    const before = await counts(db);
    const window = await db.coachAvailability.findFirst({ where: { coachId: coachId() } });
    const cases: [Promise<unknown>, string][] = [
      [core.availability.create(w.coach.actor, { coachId: 'nope', dayOfWeek: 1, startTime: '09:00', endTime: '10:00' }), 'coachId'],
      [core.availability.create(w.coach.actor, { startTime: '09:00', endTime: '10:00' } as never), 'dayOfWeek'],
      [core.availability.create(w.coach.actor, { dayOfWeek: 1, endTime: '10:00' } as never), 'startTime'],
      [core.availability.create(w.coach.actor, { dayOfWeek: 1, startTime: '09:00', endTime: '10:00', maxSessionsPerSlot: 0 }), 'maxSessionsPerSlot'],
      [core.availability.create(w.coach.actor, { dayOfWeek: 1, startTime: '09:00', endTime: '10:00', maxSessionsPerSlot: 1000 }), 'maxSessionsPerSlot'],
      [core.availability.create(w.coach.actor, { dayOfWeek: 1, startTime: '09:00', endTime: '10:00', bufferMinutes: 500 }), 'bufferMinutes'],
      [core.availability.update(w.coach.actor, 'not-a-uuid', { endTime: '11:00' }), 'id'],
      [core.availability.update(w.coach.actor, window?.id ?? '', { isActive: 'yes' } as never), 'isActive'],
      [core.availability.update(w.coach.actor, window?.id ?? '', { dayOfWeek: 9 }), 'dayOfWeek'],
      [core.availability.delete(w.coach.actor, '42'), 'id'],
      [core.availability.listByCoach(w.coach.actor, 'x'), 'coachId'],
      [core.availability.listSlots(undefined, { coachId: coachId(), startDate: '2030-02-30', endDate: '2030-03-01' }), 'startDate'],
      [core.availability.listSlots(undefined, { coachId: coachId(), startDate: '2030-03-02', endDate: '2030-03-01' }), 'endDate'],
      [core.availability.listSlots(undefined, { coachId: coachId(), startDate: '2030-03-01', endDate: '2031-03-05' }), 'endDate'],
      [core.availability.listSlots(undefined, { coachId: coachId(), startDate: '2030-03-01', endDate: '2030-03-05', duration: 2 }), 'duration'],
      [core.availability.checkSlot(undefined, { coachId: coachId(), date: '2030-03-01', time: '9:00' }), 'time'],
    ];
    for (const [call, field] of cases) {
      const error = await failure(call);
      expect(error, field).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).issues.map((i) => i.field), field).toContain(field);
    }
    expect(await counts(db)).toEqual(before);
  });
});

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
