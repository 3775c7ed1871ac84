import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decideSlot,
  listSlots,
  strandedBookings,
  windowsOverlap,
  type AvailabilityWindow,
  type BookingPolicy,
  type CoachCalendar,
} from '../../src/core/availability/index.ts';
import { clockToMinutes, minutesToClock, zoneClock, ZoneClock } from '../../src/core/availability/time.ts';

// The pure bookability rule, without a database: the agreement between listing and deciding one
// slot, and the window rules. Daylight-saving behaviour: slots.realtime.test.ts.

const MINUTE = 60_000;
const DAY = 86_400_000;

/** Zones with daylight saving in both hemispheres, changing at 02:00, 03:00 and midnight. */
const DST_ZONES = ['America/New_York', 'Europe/Berlin', 'Australia/Sydney', 'America/Santiago', 'Europe/London', 'Pacific/Auckland'] as const;

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
          const listed = new Map(slots.map((s) => [Date.parse(s.startsAt), s]));
          // Every quarter hour of real time the listed dates can show: listed exactly when decideSlot says bookable.
          for (let at = Date.parse('2030-03-02T10:00:00Z'); at < Date.parse('2030-03-13T14:00:00Z'); at += 15 * MINUTE) {
            const d = decideSlot(calendar, policy, { startsAt: at, duration });
            const slot = listed.get(at);
            const inRange = d.date !== undefined && d.date >= '2030-03-03' && d.date <= '2030-03-12';
            expect(Boolean(slot)).toBe(d.bookable && inRange);
            if (slot && d.bookable) {
              expect(slot.availableCapacity).toBe(d.availableCapacity);
              expect(`${slot.date} ${slot.time}`).toBe(`${d.date} ${d.time}`);
            }
          }
          // Asking by local date and time decides the first instant showing it.
          for (let day = 0; day < 10; day++) {
            const date = new Date(Date.parse('2030-03-03T00:00:00Z') + day * DAY).toISOString().slice(0, 10);
            for (let m = 0; m < 1440; m += 15) {
              const byTime = decideSlot(calendar, policy, { date, time: minutesToClock(m), duration });
              if (byTime.startsAt === undefined) continue;
              const byInstant = decideSlot(calendar, policy, { startsAt: byTime.startsAt, duration });
              expect(byTime.bookable).toBe(byInstant.bookable);
            }
          }
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe('a zone clock shared by the whole process', () => {
  // Listing memoises a zone's offsets in its one process-wide clock: what it was asked before, in
  // whatever order, must not change an answer.
  const askArb = fc.oneof(
    fc.record({ kind: fc.constant('instant' as const), at: fc.integer({ min: Date.parse('2024-01-01'), max: Date.parse('2036-01-01') }) }),
    fc.record({
      kind: fc.constant('local' as const),
      day: fc.integer({ min: Date.parse('2024-01-01') / DAY, max: Date.parse('2036-01-01') / DAY }),
      from: fc.integer({ min: 0, max: 1439 }),
      minutes: fc.integer({ min: 1, max: 600 }),
    }),
  );

  it('answers every question as a fresh clock of the zone does, whatever it was asked before', () => {
    fc.assert(
      fc.property(fc.constantFrom('UTC', 'Asia/Kathmandu', ...DST_ZONES), fc.array(askArb, { minLength: 1, maxLength: 40 }), (zone, asks) => {
        const shared = zoneClock(zone);
        expect(zoneClock(zone)).toBe(shared);
        for (const ask of asks) {
          const fresh = new ZoneClock(zone);
          if (ask.kind === 'instant') {
            expect(shared.offsetAt(ask.at)).toBe(fresh.offsetAt(ask.at));
            expect(shared.localOf(ask.at)).toEqual(fresh.localOf(ask.at));
            expect(shared.abbreviationAt(ask.at)).toBe(fresh.abbreviationAt(ask.at));
          } else {
            const to = Math.min(1440, ask.from + ask.minutes);
            expect(shared.localSpan(ask.day, ask.from, to)).toEqual(fresh.localSpan(ask.day, ask.from, to));
            expect(shared.instantOf(ask.day, ask.from)).toBe(fresh.instantOf(ask.day, ask.from));
          }
        }
      }),
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
    const b = (id: string, time: string, duration = 60) => ({ id, startsAt: Date.parse(`${tuesday}T${time}:00Z`), date: tuesday, time, duration });
    expect(strandedBookings({ timezone: 'UTC', windows: [w] }, [b('a', '09:00'), b('b', '11:00')])).toEqual([]);
    expect(strandedBookings({ timezone: 'UTC', windows: [{ ...w, endTime: '11:00' }] }, [b('a', '09:00'), b('b', '11:00')])).toEqual(['b']);
    expect(strandedBookings({ timezone: 'UTC', windows: [{ ...w, startTime: '09:30' }] }, [b('a', '10:00')])).toEqual(['a']);
    expect(strandedBookings({ timezone: 'UTC', windows: [{ ...w, maxSessionsPerSlot: 1 }] }, [b('a', '09:00'), b('c', '09:00')]).sort()).toEqual(['a', 'c']);
  });
});

describe('the notice and horizon limits are inclusive', () => {
  it('decides a slot exactly minNotice ahead bookable and one a minute closer too_soon; exactly horizonDays ahead bookable and a minute later beyond_horizon', () => {
    const calendar: CoachCalendar = { timezone: 'UTC', windows: [0, 1, 2, 3, 4, 5, 6].map((d) => window({ dayOfWeek: d, startTime: '00:00', endTime: '24:00' })), busy: [] };
    const startsAt = Date.parse('2030-06-04T10:00:00Z');
    const at = (now: number) => decideSlot(calendar, { now, minNoticeMinutes: 60, horizonDays: 90 }, { startsAt, duration: 60 });
    expect(at(startsAt - 60 * MINUTE).bookable).toBe(true);
    expect(at(startsAt - 59 * MINUTE)).toMatchObject({ bookable: false, reason: 'too_soon' });
    expect(at(startsAt - 90 * DAY).bookable).toBe(true);
    expect(at(startsAt - 90 * DAY - MINUTE)).toMatchObject({ bookable: false, reason: 'beyond_horizon' });
  });
});
