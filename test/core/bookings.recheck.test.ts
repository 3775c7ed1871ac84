import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  bookingPolicy,
  decideSlot,
  instantsAround,
  instantsAroundInstant,
  listSlots,
  loadCoachCalendar,
  type AvailabilityWindow,
  type CalendarReader,
  type PlacedSlot,
} from '../../src/core/availability/index.ts';
import { recheckUnderLock } from '../../src/core/bookings/service.ts';
import { DEFAULT_CORE_CONFIG } from '../../src/core/index.ts';
import { pgPool, pgQuery, sqlState } from '../../src/db/client.ts';
import { setupCore, TEST_EPOCH } from '../helpers/core.ts';
import { coachWorld, MINUTE, resetCoach, type WindowRow } from './bookings.fixtures.ts';

// The booking's fast path writes its rows, then PostgreSQL re-checks the slot under the coach lock
// (booking_recheck, a function of the migrations: docs/design.md §3) instead of the application
// deciding again with decideSlot. The two must agree. For a slot decideSlot found bookable on an
// unlocked read, after whatever the calendar became meanwhile (sessions booked, cancelled, the
// schedule or the zone changed), the function accepts exactly when decideSlot, over the calendar as
// committed (read by the same calendar query the service reads, so whatever that query counts as
// busy), still finds the slot bookable in the same window of the same zone. A schedule change that
// leaves the slot bookable in another shape is refused by the function, and decided again by the
// slow path under the lock; so in particular the function never accepts what decideSlot refuses.

const { db, clock } = await setupCore();
const policy = bookingPolicy(DEFAULT_CORE_CONFIG, TEST_EPOCH);
clock.set(TEST_EPOCH);

const w = await coachWorld(db, { members: 3 });
const coachId = w.coach.user.id;
const memberIds = w.members.map((m) => m.user.memberId!);
/** The member who books; the others fill seats. */
const booker = memberIds[0]!;

const ZONES = ['UTC', 'Europe/Berlin', 'America/New_York', 'Asia/Kathmandu', 'Australia/Lord_Howe'];
/** Mondays of weeks to book in: a plain one, the American and the European spring-forward weeks, a fall-back week. */
const WEEKS = ['2030-01-14', '2030-03-04', '2030-03-25', '2030-03-31'];
const DURATIONS = [30, 45, 60, 90];

const clockText = (minutes: number) => `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;

/** One window per weekday drawn (distinct weekdays: no two windows place the same instant). */
const windowsArb = fc.uniqueArray(
  fc.record({
    dayOfWeek: fc.integer({ min: 0, max: 6 }),
    start: fc.integer({ min: 0, max: 80 }),
    length: fc.integer({ min: 4, max: 40 }),
    maxSessionsPerSlot: fc.integer({ min: 1, max: 3 }),
    bufferMinutes: fc.constantFrom(0, 5, 15, 30),
  }),
  { minLength: 1, maxLength: 4, selector: (x) => x.dayOfWeek },
).map((rows) =>
  rows.map((r): WindowRow => ({
    dayOfWeek: r.dayOfWeek,
    startTime: clockText(r.start * 15),
    endTime: clockText(Math.min(96, r.start + r.length) * 15),
    maxSessionsPerSlot: r.maxSessionsPerSlot,
    bufferMinutes: r.bufferMinutes,
  })),
);

/**
 * A session near a slot: in it (same start and length), ending 0–30 minutes before it starts or
 * starting 0–30 minutes after it ends (the buffers' edges), or anywhere up to four hours either side.
 */
const sessionArb = fc.record({
  place: fc.constantFrom('slot' as const, 'before' as const, 'after' as const, 'near' as const),
  gap: fc.integer({ min: 0, max: 6 }),
  quarters: fc.integer({ min: -16, max: 16 }),
  duration: fc.constantFrom(...DURATIONS),
  who: fc.integer({ min: 0, max: memberIds.length - 1 }),
  cancelled: fc.boolean(),
});
type SessionSpec = typeof sessionArb extends fc.Arbitrary<infer T> ? T : never;

/** What may happen to the schedule between the unlocked read and the re-check. */
const scheduleChangeArb = fc.oneof(
  { weight: 10, arbitrary: fc.constant({ kind: 'none' as const }) },
  fc.record({ kind: fc.constant('zone' as const), zone: fc.constantFrom(...ZONES) }),
  fc.record({ kind: fc.constant('seats' as const), seats: fc.integer({ min: 1, max: 4 }) }),
  fc.record({ kind: fc.constant('buffer' as const), buffer: fc.constantFrom(0, 5, 15, 30, 60) }),
  fc.record({ kind: fc.constant('end' as const), quarters: fc.integer({ min: -8, max: 8 }) }),
  fc.record({ kind: fc.constant('start' as const), quarters: fc.integer({ min: -8, max: 8 }) }),
  fc.constant({ kind: 'deactivate' as const }),
  fc.constant({ kind: 'replace' as const }),
);
type ScheduleChange = typeof scheduleChangeArb extends fc.Arbitrary<infer T> ? T : never;

/** Writes sessions of the coach (each with its calendar event) in one statement; returns their ids. */
async function addSessions(around: { startsAt: number; duration: number }, specs: readonly SessionSpec[]): Promise<string[]> {
  if (!specs.length) return [];
  const rows = specs.map((s) => {
    const duration = s.place === 'slot' ? around.duration : s.duration;
    const at = {
      slot: around.startsAt,
      before: around.startsAt - s.gap * 5 * MINUTE - duration * MINUTE,
      after: around.startsAt + (around.duration + s.gap * 5) * MINUTE,
      near: around.startsAt + s.quarters * 15 * MINUTE,
    }[s.place];
    return { id: randomUUID(), at: new Date(at), ends: new Date(at + duration * MINUTE), duration, member: memberIds[s.who]!, status: s.cancelled ? 'cancelled' : 'scheduled' };
  });
  await db.$executeRaw`
    WITH rows AS (SELECT * FROM json_to_recordset(${JSON.stringify(rows)}::json)
        AS r("id" text, "at" timestamptz, "ends" timestamptz, "duration" int, "member" text, "status" text)),
      events AS (
        INSERT INTO "calendar_events" ("id", "title", "startsAt", "endsAt", "category", "creatorId", "icalUid", "updatedAt")
        SELECT r."id", 'Coaching session', r."at" AT TIME ZONE 'UTC', r."ends" AT TIME ZONE 'UTC', 'Coaching session', ${coachId}, r."id" || '@recheck', now()
        FROM rows r RETURNING "id")
    INSERT INTO "sessions" ("id", "calendarEventId", "memberId", "coachId", "type", "status", "duration", "scheduledAt", "updatedAt")
    SELECT r."id", e."id", r."member", ${coachId}, 'regular'::"SessionType", r."status"::"SessionStatus", r."duration", r."at" AT TIME ZONE 'UTC', now()
    FROM rows r JOIN events e ON e."id" = r."id"`;
  return rows.map((r) => r.id);
}

async function setZone(zone: string): Promise<void> {
  await db.coachProfile.update({ where: { userId: coachId }, data: { timezone: zone } });
}

async function changeSchedule(window: AvailabilityWindow, change: ScheduleChange): Promise<void> {
  const quarters = (clock: string) => Number(clock.slice(0, 2)) * 4 + Number(clock.slice(3)) / 15;
  const where = { id: window.id };
  switch (change.kind) {
    case 'none':
      return;
    case 'zone':
      return setZone(change.zone);
    case 'seats':
      await db.coachAvailability.update({ where, data: { maxSessionsPerSlot: change.seats } });
      return;
    case 'buffer':
      await db.coachAvailability.update({ where, data: { bufferMinutes: change.buffer } });
      return;
    case 'end': {
      const end = Math.min(96, Math.max(quarters(window.startTime) + 1, quarters(window.endTime) + change.quarters));
      await db.coachAvailability.update({ where, data: { endTime: clockText(end * 15) } });
      return;
    }
    case 'start': {
      const start = Math.max(0, Math.min(quarters(window.endTime) - 1, quarters(window.startTime) + change.quarters));
      await db.coachAvailability.update({ where, data: { startTime: clockText(start * 15) } });
      return;
    }
    case 'deactivate':
      await db.coachAvailability.update({ where, data: { isActive: false } });
      return;
    case 'replace': {
      // The same hours under a new row: what deleting the window and adding it again leaves.
      const { id: _id, ...same } = window;
      await db.$transaction([db.coachAvailability.delete({ where }), db.coachAvailability.create({ data: { ...same, id: randomUUID(), coachId } })]);
      return;
    }
  }
}

/** Runs the fast path's re-check as the service sends it; true when it accepts the slot. */
async function recheckAccepts(timezone: string, seen: PlacedSlot, duration: number, reader: Required<CalendarReader>): Promise<boolean> {
  try {
    await pgQuery(pgPool(db), recheckUnderLock(coachId, timezone, seen, duration, reader), 'bookings_recheck');
    return true;
  } catch (error) {
    if (sqlState(error) === 'CB409') return false;
    throw error;
  }
}

const readAround = (startsAt: number, duration: number, reader: CalendarReader) => loadCoachCalendar(db, coachId, instantsAroundInstant(startsAt, duration), reader);

describe('booking_recheck (the fast path, under the lock) and decideSlot', () => {
  it('agree on every slot decideSlot found bookable, whatever the calendar became before the re-check', async () => {
    let decided = 0;
    let accepted = 0;
    let refused = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          zone: fc.constantFrom(...ZONES),
          week: fc.constantFrom(...WEEKS),
          windows: windowsArb,
          duration: fc.constantFrom(...DURATIONS),
          pick: fc.nat(),
          before: fc.array(sessionArb, { maxLength: 5 }),
          meanwhile: fc.array(sessionArb, { minLength: 1, maxLength: 5 }),
          cancel: fc.array(fc.nat(), { maxLength: 2 }),
          change: scheduleChangeArb,
        }),
        async (c) => {
          await resetCoach(db, coachId, c.windows);
          await setZone(c.zone);
          const endDate = new Date(Date.parse(c.week) + 6 * 86_400_000).toISOString().slice(0, 10);
          const range = { startDate: c.week, endDate, duration: c.duration };
          const week = () => loadCoachCalendar(db, coachId, instantsAround(c.week, endDate), { memberId: booker });

          // Sessions near a slot the windows offer; then the bookable slot nearest it, as listed.
          const offered = listSlots((await week())!, policy, range);
          fc.pre(offered.length > 0);
          const anchor = offered[c.pick % offered.length]!;
          const before = await addSessions({ startsAt: Date.parse(anchor.startsAt), duration: c.duration }, c.before);
          const listed = listSlots((await week())!, policy, range);
          fc.pre(listed.length > 0);
          const distance = (s: { startsAt: string }) => Math.abs(Date.parse(s.startsAt) - Date.parse(anchor.startsAt));
          const slot = listed.reduce((best, s) => (distance(s) < distance(best) ? s : best));
          const startsAt = Date.parse(slot.startsAt);

          // The unlocked read: decideSlot finds the slot bookable.
          const unlocked = (await readAround(startsAt, c.duration, { memberId: booker }))!;
          const seen = decideSlot(unlocked, policy, { startsAt, duration: c.duration });
          expect(seen.bookable).toBe(true);
          if (!seen.bookable) return;

          // Meanwhile: sessions booked near it or in it, some cancelled, the schedule or zone changed.
          const meanwhile = await addSessions({ startsAt, duration: c.duration }, c.meanwhile);
          const existing = [...before, ...meanwhile];
          const cancelled = c.cancel.flatMap((i) => (existing.length ? [existing[i % existing.length]!] : []));
          if (cancelled.length) await db.session.updateMany({ where: { id: { in: cancelled } }, data: { status: 'cancelled' } });
          await changeSchedule(seen.window, c.change);

          // The booking's own session, written before the re-check (which leaves it out).
          const [written] = await addSessions({ startsAt, duration: c.duration }, [{ place: 'slot', gap: 0, quarters: 0, duration: c.duration, who: 0, cancelled: false }]);
          const reader = { memberId: booker, exceptSessionId: written! };

          const accepts = await recheckAccepts(unlocked.timezone, seen, c.duration, reader);
          const committed = (await readAround(startsAt, c.duration, reader))!;
          const now = decideSlot(committed, policy, { startsAt, duration: c.duration });
          const sameShape = committed.timezone === unlocked.timezone && now.window !== undefined && JSON.stringify(now.window) === JSON.stringify(seen.window);
          expect(accepts).toBe(now.bookable && sameShape);
          decided++;
          if (accepts) accepted++;
          else refused++;
        },
      ),
      { numRuns: 200 },
    );
    // Both answers occur: the property was exercised on each side, not vacuously.
    expect(decided).toBe(accepted + refused);
    expect(accepted).toBeGreaterThan(10);
    expect(refused).toBeGreaterThan(10);
  });
});
