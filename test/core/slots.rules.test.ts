import fc from 'fast-check';
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import {
  decideSlot,
  listSlots,
  placeSlot,
  strandedBookings,
  windowsOverlap,
  type AvailabilityWindow,
  type BookingPolicy,
  type CoachCalendar,
} from '../../src/core/availability/index.ts';
import { clockToMinutes, minutesToClock } from '../../src/core/availability/time.ts';

// The pure bookability rule, without a database: daylight-saving correctness and the agreement
// between listing and deciding one slot.

const MINUTE = 60_000;
const DAY = 86_400_000;

/** Zones with daylight saving in both hemispheres, changing at 02:00, 03:00 and midnight. */
const DST_ZONES = ['America/New_York', 'Europe/Berlin', 'Australia/Sydney', 'America/Santiago', 'Europe/London', 'Pacific/Auckland'] as const;

/** Local dates on which a zone changes its offset, found by scanning 2030-2031 day by day. */
function transitionDates(zone: string): string[] {
  const dates: string[] = [];
  let day = DateTime.fromISO('2030-01-01', { zone });
  const end = DateTime.fromISO('2032-01-01', { zone });
  while (day < end) {
    const next = day.plus({ days: 1 });
    if (day.offset !== next.offset) dates.push(day.toISODate()!);
    day = next;
  }
  return dates;
}
const TRANSITIONS = Object.fromEntries(DST_ZONES.map((z) => [z, transitionDates(z)])) as Record<string, string[]>;

const window = (w: Partial<AvailabilityWindow> & Pick<AvailabilityWindow, 'dayOfWeek' | 'startTime' | 'endTime'>): AvailabilityWindow => ({
  id: `${w.dayOfWeek}-${w.startTime}`,
  maxSessionsPerSlot: 1,
  bufferMinutes: 0,
  isActive: true,
  ...w,
});

/** A week of windows: for every weekday either nothing, the whole day, or one random span. */
const weekArb = fc.array(
  fc.oneof(
    fc.constant<[string, string] | null>(null),
    fc.constant<[string, string] | null>(['00:00', '24:00']),
    fc
      .tuple(fc.integer({ min: 0, max: 47 }), fc.integer({ min: 1, max: 48 }))
      .filter(([a, b]) => a < b)
      .map(([a, b]) => [minutesToClock(a * 30), minutesToClock(b * 30)] as [string, string]),
  ),
  { minLength: 7, maxLength: 7 },
);

function weekWindows(spans: ([string, string] | null)[]): AvailabilityWindow[] {
  return spans.flatMap((span, dayOfWeek) => (span ? [window({ dayOfWeek, startTime: span[0], endTime: span[1] })] : []));
}

const openPolicy = (now: number): BookingPolicy => ({ now, minNoticeMinutes: 0, horizonDays: 3650 });

describe('slots across daylight-saving changes', () => {
  it('never lists a wall-clock time that does not exist, never lists an instant twice, and keeps every slot inside a window', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...DST_ZONES).chain((zone) => fc.tuple(fc.constant(zone), fc.constantFrom(...TRANSITIONS[zone]!))),
        fc.integer({ min: -2, max: 2 }),
        fc.constantFrom(15, 30, 45, 60, 90, 120),
        weekArb,
        ([zone, transition], shift, duration, spans) => {
          const first = DateTime.fromISO(transition, { zone }).plus({ days: shift });
          const startDate = first.toISODate()!;
          const endDate = first.plus({ days: 2 }).toISODate()!;
          const calendar: CoachCalendar = { timezone: zone, windows: weekWindows(spans), busy: [] };
          const slots = listSlots(calendar, openPolicy(Date.parse('2029-01-01T00:00:00Z')), { startDate, endDate, duration });

          const instants = slots.map((s) => Date.parse(s.startsAt));
          expect(new Set(instants).size).toBe(instants.length);
          for (const slot of slots) {
            const local = DateTime.fromMillis(Date.parse(slot.startsAt), { zone });
            // The instant shows exactly the listed wall-clock date and time: a skipped time would
            // have been shifted by the zone and fail here.
            expect(local.toFormat('yyyy-MM-dd HH:mm')).toBe(`${slot.date} ${slot.time}`);
            const start = clockToMinutes(slot.time);
            const w = calendar.windows.find((x) => x.dayOfWeek === local.weekday % 7);
            expect(w).toBeDefined();
            expect(start).toBeGreaterThanOrEqual(clockToMinutes(w!.startTime));
            expect(start + duration).toBeLessThanOrEqual(clockToMinutes(w!.endTime));
            // The real end also shows a wall-clock time inside the window.
            const end = DateTime.fromMillis(Date.parse(slot.startsAt) + duration * MINUTE, { zone });
            const endMinutes = end.startOf('day').diff(local.startOf('day'), 'days').days * 1440 + end.hour * 60 + end.minute;
            expect(endMinutes).toBeLessThanOrEqual(clockToMinutes(w!.endTime));
          }
          // A repeated wall-clock time (fall back) is listed once: at its first occurrence.
          for (const slot of slots) {
            const earlier = Date.parse(slot.startsAt) - 60 * MINUTE;
            const sameWallClock = DateTime.fromMillis(earlier, { zone }).toFormat('yyyy-MM-dd HH:mm') === `${slot.date} ${slot.time}`;
            expect(sameWallClock).toBe(false);
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  it('lists, on a whole-day window, every wall-clock step that exists that day and nothing else', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...DST_ZONES).chain((zone) => fc.tuple(fc.constant(zone), fc.constantFrom(...TRANSITIONS[zone]!))),
        fc.constantFrom(30, 60),
        ([zone, date], duration) => {
          const weekday = DateTime.fromISO(date, { zone }).weekday % 7;
          const calendar: CoachCalendar = { timezone: zone, windows: [window({ dayOfWeek: weekday, startTime: '00:00', endTime: '24:00' })], busy: [] };
          const slots = listSlots(calendar, openPolicy(Date.parse('2029-01-01T00:00:00Z')), { startDate: date, endDate: date, duration });
          const expected: string[] = [];
          for (let m = 0; m + duration <= 1440; m += duration) {
            const t = DateTime.fromISO(`${date}T${minutesToClock(m)}`, { zone });
            const end = t.plus({ minutes: duration });
            const endMinutes = end.toISODate() === date ? end.hour * 60 + end.minute : 1440 + end.hour * 60 + end.minute;
            if (t.toFormat('HH:mm') === minutesToClock(m) && endMinutes <= 1440) expected.push(minutesToClock(m));
          }
          expect(slots.map((s) => s.time)).toEqual(expected);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('resolves a repeated wall-clock time to its first occurrence and a skipped one to nothing', () => {
    const calendar = (zone: string, dayOfWeek: number): CoachCalendar => ({
      timezone: zone,
      windows: [window({ dayOfWeek, startTime: '00:00', endTime: '24:00' })],
      busy: [],
    });
    // New York 2030-11-03 (Sunday): 01:30 happens at 05:30Z (EDT) and again at 06:30Z (EST).
    expect(placeSlot(calendar('America/New_York', 0), { date: '2030-11-03', time: '01:30', duration: 30 })?.startsAt).toBe(
      Date.parse('2030-11-03T05:30:00Z'),
    );
    // New York 2030-03-10 (Sunday): 02:30 does not exist.
    expect(placeSlot(calendar('America/New_York', 0), { date: '2030-03-10', time: '02:30', duration: 30 })).toBeNull();
    // Santiago 2030-09-08 (Sunday): clocks jump from 00:00 to 01:00.
    expect(placeSlot(calendar('America/Santiago', 0), { date: '2030-09-08', time: '00:00', duration: 60 })).toBeNull();
    // Sydney 2030-04-07 (Sunday): 02:30 happens twice; first at +11:00.
    expect(placeSlot(calendar('Australia/Sydney', 0), { date: '2030-04-07', time: '02:30', duration: 30 })?.startsAt).toBe(
      Date.parse('2030-04-06T15:30:00Z'),
    );
  });
});

describe('one rule for listing and booking', () => {
  const busyArb = fc.array(
    fc.record({ offset: fc.integer({ min: 0, max: 7 * 24 * 4 }), duration: fc.constantFrom(30, 45, 60, 90), sessions: fc.integer({ min: 1, max: 3 }) }),
    { maxLength: 12 },
  );

  it('lists exactly the grid times decideSlot finds bookable, with its seat counts', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('UTC', ...DST_ZONES),
        weekArb,
        busyArb,
        fc.constantFrom(30, 45, 60),
        fc.integer({ min: 0, max: 60 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 0, max: 7 * 24 * 60 }),
        (zone, spans, busy, duration, buffer, seats, nowOffset) => {
          const base = Date.parse('2030-03-04T00:00:00Z');
          const calendar: CoachCalendar = {
            timezone: zone,
            windows: weekWindows(spans).map((w) => ({ ...w, bufferMinutes: buffer, maxSessionsPerSlot: seats })),
            busy: busy.map((b) => ({ startsAt: base + b.offset * 15 * MINUTE, duration: b.duration, sessions: b.sessions })),
          };
          const policy: BookingPolicy = { now: base + nowOffset * MINUTE, minNoticeMinutes: 60, horizonDays: 5 };
          const slots = listSlots(calendar, policy, { startDate: '2030-03-03', endDate: '2030-03-12', duration });
          const listed = new Map(slots.map((s) => [`${s.date} ${s.time}`, s]));
          for (let day = 0; day < 10; day++) {
            const date = new Date(Date.parse('2030-03-03T00:00:00Z') + day * DAY).toISOString().slice(0, 10);
            for (let m = 0; m < 1440; m += 15) {
              const time = minutesToClock(m);
              const d = decideSlot(calendar, policy, { date, time, duration });
              const slot = listed.get(`${date} ${time}`);
              expect(Boolean(slot)).toBe(d.bookable);
              if (slot && d.bookable) {
                expect(slot.availableCapacity).toBe(d.availableCapacity);
                expect(Date.parse(slot.startsAt)).toBe(d.startsAt);
              }
            }
          }
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe('window rules', () => {
  const span = fc
    .tuple(fc.integer({ min: 0, max: 95 }), fc.integer({ min: 1, max: 96 }))
    .filter(([a, b]) => a < b)
    .map(([a, b]) => ({ startTime: minutesToClock(a * 15), endTime: minutesToClock(b * 15) }));

  it('two windows overlap exactly when they share a minute of the same weekday', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 6 }), span, fc.integer({ min: 0, max: 6 }), span, (da, a, db, b) => {
        const minutes = (s: { startTime: string; endTime: string }) => {
          const set = new Set<number>();
          for (let m = clockToMinutes(s.startTime); m < clockToMinutes(s.endTime); m++) set.add(m);
          return set;
        };
        const shared = da === db && [...minutes(a)].some((m) => minutes(b).has(m));
        expect(windowsOverlap({ dayOfWeek: da, ...a }, { dayOfWeek: db, ...b })).toBe(shared);
      }),
      { numRuns: 200 },
    );
  });

  it('a booking is stranded when no window holds its slot or its slot holds more bookings than seats', () => {
    const w = window({ dayOfWeek: 2, startTime: '09:00', endTime: '12:00', maxSessionsPerSlot: 2 });
    const tuesday = '2030-01-08';
    const b = (id: string, time: string, duration = 60) => ({ id, date: tuesday, time, duration });
    expect(strandedBookings({ timezone: 'UTC', windows: [w] }, [b('a', '09:00'), b('b', '11:00')])).toEqual([]);
    expect(strandedBookings({ timezone: 'UTC', windows: [{ ...w, endTime: '11:00' }] }, [b('a', '09:00'), b('b', '11:00')])).toEqual(['b']);
    expect(strandedBookings({ timezone: 'UTC', windows: [{ ...w, startTime: '09:30' }] }, [b('a', '10:00')])).toEqual(['a']);
    expect(strandedBookings({ timezone: 'UTC', windows: [{ ...w, maxSessionsPerSlot: 1 }] }, [b('a', '09:00'), b('c', '09:00')]).sort()).toEqual(['a', 'c']);
  });
});
