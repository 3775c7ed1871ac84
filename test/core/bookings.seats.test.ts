import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CORE_CONFIG } from '../../src/core/index.ts';
import { setupCore } from '../helpers/core.ts';
import { coachWorld, counts, DAY, failure, HOUR, key, MINUTE, resetCoach, type CoachWorld, type Person } from './bookings.fixtures.ts';

// Issue 15 §3: a member holds at most one seat of a slot, and the notice and horizon limits are
// inclusive at exactly their value.

const { db, core, clock } = await setupCore();
let w: CoachWorld;

beforeAll(async () => {
  w = await coachWorld(db, { members: 3, timezone: 'UTC' });
});

const coachId = () => w.coach.user.id;
const member = (i: number) => w.members[i]!;
/** Tuesday 2030-01-08, a UTC coach open 09:00-17:00. */
const SLOT = Date.parse('2030-01-08T10:00:00Z');
const NOW = Date.parse('2030-01-07T09:00:00Z');

async function arrange(seats = 3) {
  clock.set(NOW);
  await resetCoach(db, coachId(), [0, 1, 2, 3, 4, 5, 6].map((dayOfWeek) => ({ dayOfWeek, startTime: '00:00', endTime: '24:00', maxSessionsPerSlot: seats })));
}

const bookAt = (by: Person, m: Person, startsAt: number, k = key()) =>
  core.bookings.create(by.actor, { memberId: m.user.memberId!, coachId: coachId(), startsAt: new Date(startsAt), duration: 60 }, k);
const seatsOf = (m: Person) => db.session.count({ where: { memberId: m.user.memberId!, status: { not: 'cancelled' } } });

describe('a member holds at most one seat of a slot', () => {
  it('refuses a second booking of the same slot by the same member under another key with 409 already_booked, writing nothing', async () => {
    await arrange();
    const k = key();
    const first = await bookAt(member(0), member(0), SLOT, k);
    const before = await counts(db);
    const second = await failure(bookAt(member(0), member(0), SLOT));
    expect(second).toMatchObject({ code: 'already_booked', status: 409 });
    // By date and time too, and when the coach or an admin books for the member.
    const byTime = core.bookings.create(member(0).actor, { memberId: member(0).user.memberId!, coachId: coachId(), requestedDate: '2030-01-08', requestedTime: '10:00' }, key());
    expect(await failure(byTime)).toMatchObject({ code: 'already_booked', status: 409 });
    expect(await failure(bookAt(w.coach, member(0), SLOT))).toMatchObject({ code: 'already_booked' });
    expect(await failure(bookAt(w.admin, member(0), SLOT))).toMatchObject({ code: 'already_booked' });
    // Four refusals under four keys: each key records its refusal, and nothing else is written.
    expect(await counts(db)).toEqual({ ...before, keys: before.keys + 4 });
    // The first key still answers the first booking.
    expect((await bookAt(member(0), member(0), SLOT, k)).id).toBe(first.id);
    // Another member takes another seat; after cancelling, the member may book the slot again.
    expect((await bookAt(member(1), member(1), SLOT)).status).toBe('confirmed');
    await core.bookings.cancel(member(0).actor, first.id);
    expect((await bookAt(member(0), member(0), SLOT)).status).toBe('confirmed');
  });

  it('books one seat when the same member races several keys for one slot', async () => {
    for (let round = 0; round < 5; round++) {
      await arrange();
      const results = await Promise.allSettled([0, 1, 2, 3].map(() => bookAt(member(0), member(0), SLOT)));
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      for (const r of results) if (r.status === 'rejected') expect(r.reason).toMatchObject({ code: 'already_booked', status: 409 });
      expect(await seatsOf(member(0))).toBe(1);
    }
  });

  it('holds for sessions made and moved by hand too', async () => {
    await arrange();
    await bookAt(member(0), member(0), SLOT);
    const create = core.sessions.create(w.coach.actor, { memberId: member(0).user.memberId!, coachId: coachId(), scheduledAt: new Date(SLOT), duration: 60, type: 'regular' });
    expect(await failure(create)).toMatchObject({ code: 'already_booked', status: 409 });
    const other = await bookAt(member(0), member(0), SLOT + 2 * HOUR);
    const move = core.sessions.reschedule(member(0).actor, other.sessionId!, { scheduledAt: new Date(SLOT) });
    expect(await failure(move)).toMatchObject({ code: 'already_booked', status: 409 });
    expect(await seatsOf(member(0))).toBe(2);
  });

  it('for any sequence of bookings, no member ever holds two seats of one slot', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ who: fc.integer({ min: 0, max: 2 }), hour: fc.integer({ min: 0, max: 2 }), retry: fc.boolean() }), { minLength: 1, maxLength: 6 }),
        async (steps) => {
          await arrange(2);
          const keys = new Map<string, string>();
          for (const s of steps) {
            const slotKey = `${s.who}/${s.hour}`;
            const k = s.retry && keys.has(slotKey) ? keys.get(slotKey)! : key();
            keys.set(slotKey, k);
            await bookAt(member(s.who), member(s.who), SLOT + s.hour * HOUR, k).catch((e: { code?: string }) => {
              expect(['already_booked', 'slot_full']).toContain(e.code);
            });
          }
          const rows = await db.session.groupBy({ by: ['memberId', 'scheduledAt'], where: { coachId: coachId(), status: { not: 'cancelled' } }, _count: true });
          for (const r of rows) expect(r._count).toBe(1);
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe('the notice and horizon limits', () => {
  const notice = DEFAULT_CORE_CONFIG.bookingMinNoticeMinutes * MINUTE;
  const horizon = DEFAULT_CORE_CONFIG.bookingHorizonDays * DAY;
  const listed = async (startsAt: number) =>
    (await core.availability.listSlots(undefined, { coachId: coachId(), startDate: '2030-01-01', endDate: '2030-04-30' })).some(
      (s) => Date.parse(s.startsAt) === startsAt,
    );

  it(`books a slot exactly BOOKING_MIN_NOTICE_MINUTES ahead, and not one a minute closer`, async () => {
    await arrange();
    clock.set(SLOT - notice + MINUTE);
    expect(await listed(SLOT)).toBe(false);
    expect(await failure(bookAt(member(0), member(0), SLOT))).toMatchObject({ code: 'booking_too_soon', status: 422 });
    clock.set(SLOT - notice);
    expect(await listed(SLOT)).toBe(true);
    expect((await bookAt(member(0), member(0), SLOT)).status).toBe('confirmed');
  });

  it('books a slot starting exactly BOOKING_HORIZON_DAYS ahead, and not one a minute later', async () => {
    await arrange();
    clock.set(SLOT - horizon - MINUTE);
    expect(await listed(SLOT)).toBe(false);
    expect(await failure(bookAt(member(0), member(0), SLOT))).toMatchObject({ code: 'booking_too_far_ahead', status: 422 });
    clock.set(SLOT - horizon);
    expect(await listed(SLOT)).toBe(true);
    expect((await bookAt(member(0), member(0), SLOT)).status).toBe('confirmed');
  });
});
