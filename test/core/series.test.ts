import fc from 'fast-check';
import ical, { type VEvent } from 'node-ical';
import { beforeAll, describe, expect, it } from 'vitest';
import { ForbiddenError, NotFoundError, UnprocessableError, ValidationError } from '../../src/core/index.ts';
import { setupCore, TEST_EPOCH } from '../helpers/core.ts';
import { makeCoach, makeMember } from '../helpers/factories.ts';
import { coachWorld, counts, DAY, failure, HOUR, key, person, resetCoach, type CoachWorld, type Person } from './bookings.fixtures.ts';

// Recurring series against PostgreSQL (docs/design.md §9): the same wall time in New York across
// the spring change, the answer per occurrence, all or nothing, the key, each occurrence an
// ordinary session that knows its place, cancelling from one on, moving one, and the ICS feed.

const { db, core, clock } = await setupCore({ bookingHorizonDays: 365 });
let w: CoachWorld;
let stranger: Person;

beforeAll(async () => {
  w = await coachWorld(db, { members: 3, timezone: 'America/New_York' });
  const otherCoach = await person(db, makeCoach(db));
  stranger = await person(db, makeMember(db, { coachId: otherCoach.user.id }));
});

const coachId = () => w.coach.user.id;
const member = (i: number) => w.members[i]!;
/** Tuesday 5 March 2030, 10:00 EST; New York springs forward on Sunday 10 March. */
const FIRST = new Date('2030-03-05T15:00:00Z');

/** Tuesdays 09:00-17:00 New York time, `seats` seats, nothing booked. */
async function arrange(seats = 1) {
  clock.set(TEST_EPOCH);
  await resetCoach(db, coachId(), [{ dayOfWeek: 2, startTime: '09:00', endTime: '17:00', maxSessionsPerSlot: seats }]);
}

const series = (m: Person, o: { count?: number; interval?: 1 | 2; allOrNothing?: boolean; startsAt?: Date } = {}, k = key()) =>
  core.bookingSeries.create(m.actor, { coachId: coachId(), startsAt: o.startsAt ?? FIRST, count: o.count ?? 4, interval: o.interval, allOrNothing: o.allOrNothing }, k);

const single = (m: Person, startsAt: Date) => core.bookings.create(m.actor, { memberId: m.user.memberId!, coachId: coachId(), startsAt }, key());

describe('booking a series', () => {
  it('books the same New York wall time every week across the spring change: 15:00Z, then 14:00Z', async () => {
    await arrange();
    const s = await series(member(0), { count: 4 });
    expect(s.booked).toBe(4);
    expect(s).toMatchObject({ timezone: 'America/New_York', localTime: '10:00', count: 4, interval: 1 });
    expect(s.occurrences.map((o) => [o.position, o.date, o.time, o.startsAt, o.status])).toEqual([
      [1, '2030-03-05', '10:00', '2030-03-05T15:00:00.000Z', 'booked'],
      [2, '2030-03-12', '10:00', '2030-03-12T14:00:00.000Z', 'booked'],
      [3, '2030-03-19', '10:00', '2030-03-19T14:00:00.000Z', 'booked'],
      [4, '2030-03-26', '10:00', '2030-03-26T14:00:00.000Z', 'booked'],
    ]);
    const sessions = await db.session.findMany({ where: { seriesId: s.id }, orderBy: { seriesPosition: 'asc' }, include: { booking: true } });
    expect(sessions.map((x) => [x.seriesPosition, x.scheduledAt.toISOString(), x.status, x.booking?.status])).toEqual(
      s.occurrences.map((o) => [o.position, o.startsAt, 'scheduled', 'confirmed']),
    );
    // Each an ordinary session that knows its place: "3 of 4".
    const third = await core.sessions.get(member(0).actor, sessions[2]!.id);
    expect(third.series).toEqual({ id: s.id, position: 3, count: 4 });
    // The coach is told of each occurrence, once each.
    expect(await db.notification.count({ where: { userId: coachId(), type: 'booking.confirmed', payload: { path: ['seriesId'], equals: s.id } } })).toBe(4);
  });

  it('every two weeks, and a full slot makes only its occurrence unavailable, with the reason', async () => {
    await arrange();
    await single(member(1), new Date('2030-03-19T14:00:00Z'));
    const s = await series(member(0), { count: 3, interval: 2 });
    expect(s.occurrences.map((o) => [o.date, o.status, o.reason])).toEqual([
      ['2030-03-05', 'booked', null],
      ['2030-03-19', 'unavailable', 'slot_full'],
      ['2030-04-02', 'booked', null],
    ]);
    expect(s.booked).toBe(2);
    expect(await db.session.count({ where: { seriesId: s.id } })).toBe(2);
  });

  it('all or nothing: one unavailable occurrence books none, and says which and why', async () => {
    await arrange();
    await single(member(1), new Date('2030-03-12T14:00:00Z'));
    const before = await counts(db);
    const s = await series(member(0), { count: 3, allOrNothing: true });
    expect(s.occurrences.map((o) => [o.status, o.reason])).toEqual([
      ['withheld', null],
      ['unavailable', 'slot_full'],
      ['withheld', null],
    ]);
    expect(s.booked).toBe(0);
    const after = await counts(db);
    expect(after).toEqual({ ...before, keys: before.keys + 1 });
  });

  it('a retry with the same key answers the same series and books nothing more; another request under it is refused', async () => {
    await arrange(2);
    const k = key();
    const first = await series(member(0), { count: 3 }, k);
    const before = await counts(db);
    const again = await series(member(0), { count: 3 }, k);
    expect(again).toEqual(first);
    expect(await counts(db)).toEqual(before);
    const error = await failure(series(member(0), { count: 4 }, k));
    expect(error).toBeInstanceOf(UnprocessableError);
    expect(error.code).toBe('idempotency_key_reused');
  });

  it('same-key twins at once write one series', async () => {
    await arrange(2);
    const k = key();
    const [a, b] = await Promise.all([series(member(0), { count: 3 }, k), series(member(0), { count: 3 }, k)]);
    expect(a.id).toBe(b.id);
    expect(await db.bookingSeries.count({ where: { memberId: member(0).user.memberId! } })).toBeGreaterThanOrEqual(1);
    expect(await db.session.count({ where: { seriesId: a.id } })).toBe(3);
  });

  it('refuses bad input naming the field, and another member, writing nothing', async () => {
    await arrange();
    const before = await counts(db);
    const valid = { coachId: coachId(), startsAt: FIRST, count: 4 };
    for (const [body, field] of [
      [{ count: 27 }, 'count'],
      [{ count: 1 }, 'count'],
      [{ interval: 3 }, 'interval'],
      [{ startsAt: 'soon' }, 'startsAt'],
      [{ allOrNothing: 'yes' }, 'allOrNothing'],
    ] as const) {
      const error = await failure(core.bookingSeries.create(member(0).actor, { ...valid, ...body } as never, key()));
      expect(error).toBeInstanceOf(ValidationError);
      expect(JSON.stringify(error.details)).toContain(field);
    }
    const missingKey = await failure(core.bookingSeries.create(member(0).actor, { coachId: coachId(), startsAt: FIRST, count: 4 }, undefined));
    expect(JSON.stringify((missingKey as ValidationError).details)).toContain('idempotencyKey');
    // An admin must say for whom; a member may not book for another member; nor with a coach not theirs.
    const admin = await failure(core.bookingSeries.create(w.admin.actor, { coachId: coachId(), startsAt: FIRST, count: 4 }, key()));
    expect(JSON.stringify((admin as ValidationError).details)).toContain('memberId');
    expect(await failure(core.bookingSeries.create(member(0).actor, { memberId: member(1).user.memberId!, coachId: coachId(), startsAt: FIRST, count: 2 }, key()))).toBeInstanceOf(
      ForbiddenError,
    );
    expect((await failure(core.bookingSeries.create(stranger.actor, { coachId: coachId(), startsAt: FIRST, count: 2 }, key()))).code).toBe('not_your_coach');
    const after = await counts(db);
    // Refusals of a parsed request are recorded under their keys (docs/design.md §3); nothing else is written.
    expect({ ...after, keys: 0 }).toEqual({ ...before, keys: 0 });
  });

  it('an admin books for a member by memberId, and both parties are told', async () => {
    await arrange();
    const s = await core.bookingSeries.create(w.admin.actor, { memberId: member(2).user.memberId!, coachId: coachId(), startsAt: FIRST, count: 2 }, key());
    expect(s.booked).toBe(2);
    expect(s.memberId).toBe(member(2).user.memberId);
    expect(await db.notification.count({ where: { type: 'booking.confirmed', payload: { path: ['seriesId'], equals: s.id } } })).toBe(4);
  });

  it('a series may adopt the session just booked as its first occurrence', async () => {
    await arrange();
    const booking = await single(member(0), FIRST);
    const s = await core.bookingSeries.create(member(0).actor, { coachId: coachId(), startsAt: FIRST, count: 3, firstSessionId: booking.sessionId! }, key());
    expect(s.occurrences.map((o) => o.status)).toEqual(['booked', 'booked', 'booked']);
    expect(s.occurrences[0]!.session?.id).toBe(booking.sessionId);
    expect(await db.session.count({ where: { memberId: member(0).user.memberId!, status: 'scheduled' } })).toBe(3);
    // Not twice, and not someone else's.
    const again = await failure(core.bookingSeries.create(member(0).actor, { coachId: coachId(), startsAt: FIRST, count: 3, firstSessionId: booking.sessionId! }, key()));
    expect(JSON.stringify((again as ValidationError).details)).toContain('firstSessionId');
  });

  it('two series adopting one session at once: one adopts it, the other is refused and books nothing', async () => {
    await arrange(2);
    const booking = await single(member(0), FIRST);
    const adopt = (count: number) => core.bookingSeries.create(member(0).actor, { coachId: coachId(), startsAt: FIRST, count, firstSessionId: booking.sessionId! }, key());
    const results = await Promise.allSettled([adopt(3), adopt(4)]);
    const made = results.filter((r) => r.status === 'fulfilled');
    expect(made).toHaveLength(1);
    const refused = results.find((r) => r.status === 'rejected')!;
    expect(JSON.stringify((refused as PromiseRejectedResult).reason.details)).toContain('firstSessionId');
    const series = (made[0] as PromiseFulfilledResult<Awaited<ReturnType<typeof adopt>>>).value;
    expect(await db.session.count({ where: { memberId: member(0).user.memberId!, status: 'scheduled' } })).toBe(series.count);
    expect((await db.session.findUniqueOrThrow({ where: { id: booking.sessionId! } })).seriesId).toBe(series.id);
  });

  it('is read back by its parties and an admin, as unknown to anyone else', async () => {
    await arrange();
    const s = await series(member(0), { count: 2 });
    expect((await core.bookingSeries.get(w.coach.actor, s.id)).id).toBe(s.id);
    expect((await core.bookingSeries.get(w.admin.actor, s.id)).id).toBe(s.id);
    expect(await failure(core.bookingSeries.get(member(1).actor, s.id))).toBeInstanceOf(NotFoundError);
    expect(await failure(core.bookingSeries.get(member(0).actor, 'nope'))).toBeInstanceOf(ValidationError);
  });
});

describe('changing a series', () => {
  it('cancels one occurrence alone, freeing its seat', async () => {
    await arrange();
    const s = await series(member(0), { count: 4 });
    const after = await core.bookingSeries.cancel(member(0).actor, s.id, { position: 2, scope: 'this' });
    expect(after.occurrences.map((o) => o.session?.status)).toEqual(['scheduled', 'cancelled', 'scheduled', 'scheduled']);
    expect((await single(member(1), new Date(after.occurrences[1]!.startsAt!))).status).toBe('confirmed');
  });

  it('moves one occurrence alone; the others keep their time', async () => {
    await arrange();
    const s = await series(member(0), { count: 3 });
    const second = s.occurrences[1]!.session!;
    await core.sessions.reschedule(member(0).actor, second.id, { scheduledAt: new Date('2030-03-12T16:00:00Z') });
    const after = await core.bookingSeries.get(member(0).actor, s.id);
    expect(after.occurrences.map((o) => o.session?.scheduledAt.toISOString())).toEqual(['2030-03-05T15:00:00.000Z', '2030-03-12T16:00:00.000Z', '2030-03-19T14:00:00.000Z']);
    expect((await core.sessions.get(member(0).actor, second.id)).series?.position).toBe(2);
  });

  it('"cancel this and later" cancels exactly the occurrences from that position on that are still scheduled', async () => {
    await arrange(3);
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 2, max: 8 }),
        fc.nat(),
        fc.option(fc.nat(), { nil: null }),
        async (count, fromSeed, aloneSeed) => {
          await resetCoach(db, coachId(), [{ dayOfWeek: 2, startTime: '09:00', endTime: '17:00', maxSessionsPerSlot: 3 }]);
          const s = await series(member(0), { count });
          const from = (fromSeed % count) + 1;
          // Sometimes one occurrence was cancelled alone before.
          const alone = aloneSeed === null ? null : (aloneSeed % count) + 1;
          if (alone !== null) await core.bookingSeries.cancel(member(0).actor, s.id, { position: alone, scope: 'this' });
          const after = await core.bookingSeries.cancel(w.coach.actor, s.id, { position: from });
          expect(after.occurrences.map((o) => o.session?.status)).toEqual(
            after.occurrences.map((o) => (o.position >= from || o.position === alone ? 'cancelled' : 'scheduled')),
          );
          const bookings = await db.sessionBooking.findMany({ where: { session: { seriesId: s.id } }, include: { session: true } });
          for (const b of bookings) expect(b.status).toBe(b.session!.status === 'cancelled' ? 'cancelled' : 'confirmed');
        },
      ),
      { numRuns: 100 },
    );
  });

  it('refuses a position past the series, and a member cancelling another member\'s series', async () => {
    await arrange();
    const s = await series(member(0), { count: 2 });
    expect(JSON.stringify((await failure(core.bookingSeries.cancel(member(0).actor, s.id, { position: 3 }))).details)).toContain('position');
    expect(await failure(core.bookingSeries.cancel(member(1).actor, s.id, { position: 1 }))).toBeInstanceOf(NotFoundError);
  });
});

describe('the calendar feed of a series', () => {
  function events(text: string): VEvent[] {
    return Object.values(ical.sync.parseICS(text)).filter((c): c is VEvent => c?.type === 'VEVENT');
  }

  it('shows each occurrence as its own event with a stable UID, read by an independent parser at the same times; a move raises its SEQUENCE only', async () => {
    await arrange();
    const s = await series(member(0), { count: 4 });
    const { token } = await core.calendar.createFeed(member(0).actor, member(0).user.id);
    const before = events(await core.calendar.renderFeed(token));
    const byStart = (list: VEvent[]) => list.map((e) => e.start.toISOString()).sort();
    expect(byStart(before)).toEqual(s.occurrences.map((o) => o.startsAt));
    expect(new Set(before.map((e) => e.uid)).size).toBe(4);
    for (const e of before) expect(e.end!.getTime() - e.start.getTime()).toBe(HOUR);

    const moved = s.occurrences[2]!.session!;
    await core.sessions.reschedule(member(0).actor, moved.id, { scheduledAt: new Date('2030-03-19T16:00:00Z') });
    clock.set(new Date(TEST_EPOCH.getTime() + DAY));
    const after = events(await core.calendar.renderFeed(token));
    expect(after.map((e) => e.uid).sort()).toEqual(before.map((e) => e.uid).sort());
    const seq = (list: VEvent[], uid: string) => Number(list.find((e) => e.uid === uid)!.sequence ?? 0);
    const movedUid = after.find((e) => e.start.toISOString() === '2030-03-19T16:00:00.000Z')!.uid;
    for (const e of after) expect(seq(after, e.uid)).toBe(e.uid === movedUid ? seq(before, e.uid) + 1 : seq(before, e.uid));
  });
});
