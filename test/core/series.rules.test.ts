import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decideSlot, windowsOverlap, type AvailabilityWindow, type BookingPolicy, type BusyTime, type CoachCalendar } from '../../src/core/availability/index.ts';
import { minutesToClock, zoneClock } from '../../src/core/availability/time.ts';
import { decideSeries, type OccurrenceCheck, type SeriesRequest } from '../../src/core/bookings/index.ts';

// The series rule without a database (docs/design.md §9): occurrences keep the first's wall-clock
// time in the coach's zone across daylight saving, and the series books exactly what single
// bookings made one after another would. The wall times here are read with Intl, independently of
// the ZoneClock the rule uses.

const MINUTE = 60_000;
const DAY = 86_400_000;

/** New York and London (spring forward at 02:00 and 01:00), Lord Howe (30 minutes, at 02:00), and Kolkata (no DST). */
const ZONES = ['America/New_York', 'Europe/London', 'Australia/Lord_Howe', 'Asia/Kolkata'] as const;

const formatters = new Map<string, Intl.DateTimeFormat>();
/** The wall clock an instant shows in a zone, as Intl reads it: `YYYY-MM-DD HH:mm`. */
function wallClock(zone: string, ms: number): { date: string; time: string } {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    formatters.set(zone, f);
  }
  const parts = Object.fromEntries(f.formatToParts(new Date(ms)).map((p) => [p.type, p.value]));
  return { date: `${parts.year}-${parts.month}-${parts.day}`, time: `${parts.hour}:${parts.minute}` };
}

/** `date` plus `days` calendar days, by UTC date arithmetic (independent of any zone). */
const plusDays = (date: string, days: number) => new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY).toISOString().slice(0, 10);

const windowArb = fc.record({
  dayOfWeek: fc.integer({ min: 0, max: 6 }),
  from: fc.integer({ min: 0, max: 22 }),
  hours: fc.integer({ min: 1, max: 8 }),
  seats: fc.integer({ min: 1, max: 3 }),
  buffer: fc.constantFrom(0, 0, 15, 30),
});

interface World {
  zone: string;
  calendar: CoachCalendar;
  policy: BookingPolicy;
  request: SeriesRequest;
}

/**
 * A coach in one of the zones with random windows and random sessions already booked near the
 * series' weeks, and a series whose first slot lies in the first window (often in the small hours,
 * where the clocks change).
 */
const worldArb: fc.Arbitrary<World> = fc
  .record({
    zone: fc.constantFrom(...ZONES),
    windows: fc.array(windowArb, { minLength: 1, maxLength: 4 }),
    // A local day in 2030-2031 whose weekday the first window is moved to.
    day: fc.integer({ min: Date.parse('2030-01-01') / DAY, max: Date.parse('2031-12-31') / DAY }),
    slotIndex: fc.nat({ max: 7 }),
    duration: fc.constantFrom(30, 60),
    count: fc.integer({ min: 2, max: 26 }),
    interval: fc.constantFrom(1, 2),
    allOrNothing: fc.boolean(),
    busy: fc.array(
      fc.record({ week: fc.nat({ max: 51 }), shift: fc.integer({ min: -4, max: 4 }), duration: fc.constantFrom(30, 60), sessions: fc.integer({ min: 1, max: 3 }), mine: fc.boolean() }),
      { maxLength: 12 },
    ),
    noticeBefore: fc.integer({ min: 0, max: 5 * DAY }),
    horizonDays: fc.integer({ min: 30, max: 400 }),
  })
  .map((g) => {
    // Windows of the same weekday must not overlap (the service refuses that).
    const windows: AvailabilityWindow[] = [];
    const first = { ...g.windows[0]!, dayOfWeek: new Date(g.day * DAY).getUTCDay() };
    for (const [i, w] of [first, ...g.windows.slice(1)].entries()) {
      const candidate: AvailabilityWindow = {
        id: `w${i}`,
        dayOfWeek: w.dayOfWeek,
        startTime: minutesToClock(w.from * 60),
        endTime: minutesToClock(Math.min(24, w.from + w.hours) * 60),
        maxSessionsPerSlot: w.seats,
        bufferMinutes: w.buffer,
        isActive: true,
      };
      if (!windows.some((o) => windowsOverlap(o, candidate))) windows.push(candidate);
    }
    const w0 = windows[0]!;
    const minutes = Math.min(g.windows[0]!.from * 60 + g.slotIndex * g.duration, (g.windows[0]!.from + g.windows[0]!.hours) * 60 - g.duration);
    // The first slot's instant: its wall time on that day (the first pass of a repeated one), or,
    // when the clocks skip it, an hour later in elapsed time (outside the grid: unavailable).
    const zone = zoneClock(g.zone);
    const startsAt = zone.instantOf(g.day, Math.max(minutes, 0)) ?? g.day * DAY + minutes * MINUTE - zone.offsetAt(g.day * DAY) * MINUTE;
    const busy: BusyTime[] = g.busy.map((b) => ({
      startsAt: startsAt + b.week * 7 * DAY + b.shift * 30 * MINUTE,
      duration: b.duration,
      sessions: b.sessions,
      mine: b.mine ? 1 : 0,
    }));
    return {
      zone: g.zone,
      calendar: { timezone: g.zone, windows: [w0, ...windows.slice(1)], busy },
      policy: { now: startsAt - g.noticeBefore, minNoticeMinutes: 60, horizonDays: g.horizonDays },
      request: { startsAt, duration: g.duration, count: g.count, interval: g.interval, allOrNothing: g.allOrNothing },
    };
  });

/** Single bookings of the same wall time every `interval` weeks, made one after another: the oracle. */
function singleBookingsInOrder(w: World, checks: readonly OccurrenceCheck[] = []): (number | null)[] {
  const first = wallClock(w.zone, w.request.startsAt);
  let calendar = w.calendar;
  const booked: (number | null)[] = [];
  const bookedSoFar: Parameters<OccurrenceCheck>[1][number][] = [];
  for (let i = 0; i < w.request.count; i++) {
    const slot = i === 0 ? { startsAt: w.request.startsAt, duration: w.request.duration } : { date: plusDays(first.date, 7 * w.request.interval * i), time: first.time, duration: w.request.duration };
    const d = decideSlot(calendar, w.policy, slot);
    if (!d.bookable || checks.some((c) => c(d, bookedSoFar) !== null)) {
      booked.push(null);
      continue;
    }
    booked.push(d.startsAt);
    bookedSoFar.push({ position: i + 1, date: d.date, time: d.time, startsAt: d.startsAt, status: 'booked', slot: d });
    calendar = { ...calendar, busy: [...calendar.busy, { startsAt: d.startsAt, duration: w.request.duration, sessions: 1, mine: 1 }] };
  }
  return booked;
}

describe('a recurring series, decided occurrence by occurrence', () => {
  it('every booked occurrence shows the first occurrence\'s wall-clock time, interval weeks apart, in New York, London, Lord Howe and Kolkata', () => {
    fc.assert(
      fc.property(worldArb, (w) => {
        const first = wallClock(w.zone, w.request.startsAt);
        const decided = decideSeries(w.calendar, w.policy, w.request);
        expect(decided).toHaveLength(w.request.count);
        for (const d of decided) {
          const date = plusDays(first.date, 7 * w.request.interval * (d.position - 1));
          expect({ date: d.date, time: d.time }).toEqual({ date, time: first.time });
          if (d.status !== 'booked') continue;
          expect(wallClock(w.zone, d.slot.startsAt)).toEqual({ date, time: first.time });
        }
      }),
      { numRuns: 300 },
    );
  });

  it('books exactly the occurrences single bookings made in order would book (without allOrNothing), and nothing at all with it when one is unavailable', () => {
    fc.assert(
      fc.property(worldArb, (w) => {
        const expected = singleBookingsInOrder(w);
        const decided = decideSeries(w.calendar, w.policy, w.request);
        const booked = decided.map((d) => (d.status === 'booked' ? d.slot.startsAt : null));
        if (w.request.allOrNothing && expected.includes(null)) {
          expect(booked.every((b) => b === null)).toBe(true);
          // Each occurrence that alone would have been booked is reported as withheld, the others with their reason.
          expect(decided.map((d) => d.status === 'withheld')).toEqual(expected.map((b) => b !== null));
        } else {
          expect(booked).toEqual(expected);
        }
        for (const d of decided) if (d.status === 'unavailable') expect(d.reason).toMatch(/^[a-z_]+$/);
      }),
      { numRuns: 300 },
    );
  });

  it('never puts a slot over its seats, gives the member one seat of a slot at most, and keeps every booked occurrence clear of the others by the buffer', () => {
    fc.assert(
      fc.property(worldArb, (w) => {
        const decided = decideSeries(w.calendar, w.policy, w.request);
        for (const d of decided) {
          if (d.status !== 'booked') continue;
          const same = w.calendar.busy.filter((b) => b.startsAt === d.slot.startsAt && b.duration === w.request.duration);
          const taken = same.reduce((n, b) => n + b.sessions, 0);
          expect(taken + 1).toBeLessThanOrEqual(d.slot.window.maxSessionsPerSlot);
          expect(same.reduce((n, b) => n + (b.mine ?? 0), 0)).toBe(0);
          const buffer = d.slot.window.bufferMinutes * MINUTE;
          const end = d.slot.startsAt + w.request.duration * MINUTE;
          for (const b of w.calendar.busy) {
            if (b.startsAt === d.slot.startsAt && b.duration === w.request.duration) continue;
            expect(b.startsAt - buffer < end && b.startsAt + b.duration * MINUTE + buffer > d.slot.startsAt).toBe(false);
          }
        }
        const starts = decided.flatMap((d) => (d.status === 'booked' ? [d.slot.startsAt] : []));
        expect(new Set(starts).size).toBe(starts.length);
      }),
      { numRuns: 300 },
    );
  });

  it('an extra check plugs in per occurrence, seeing the ones booked before it (as credits will): with two credits, the first two bookable occurrences are booked', () => {
    fc.assert(
      fc.property(worldArb, fc.nat({ max: 5 }), (w, credits) => {
        const check: OccurrenceCheck = (_slot, before) => (before.length < credits ? null : 'slot_unavailable');
        const expected = singleBookingsInOrder(w, [check]);
        const decided = decideSeries(w.calendar, w.policy, { ...w.request, allOrNothing: false }, [check]);
        expect(decided.map((d) => (d.status === 'booked' ? d.slot.startsAt : null))).toEqual(expected);
        expect(decided.filter((d) => d.status === 'booked').length).toBeLessThanOrEqual(credits);
      }),
      { numRuns: 100 },
    );
  });

  it('a wall time the clocks skip is unavailable that week only (New York, 02:30 on 10 March 2030), and the weeks after keep 02:30 on the new offset', () => {
    const zone = 'America/New_York';
    const window: AvailabilityWindow = { id: 'w', dayOfWeek: 0, startTime: '00:00', endTime: '06:00', maxSessionsPerSlot: 1, bufferMinutes: 0, isActive: true };
    const startsAt = Date.parse('2030-03-03T07:30:00Z'); // Sunday 02:30 EST
    const decided = decideSeries(
      { timezone: zone, windows: [window], busy: [] },
      { now: startsAt - 2 * DAY, minNoticeMinutes: 60, horizonDays: 90 },
      { startsAt, duration: 30, count: 3, interval: 1, allOrNothing: false },
    );
    expect(decided.map((d) => [d.date, d.time, d.status, d.status === 'unavailable' ? d.reason : null])).toEqual([
      ['2030-03-03', '02:30', 'booked', null],
      ['2030-03-10', '02:30', 'unavailable', 'nonexistent_time'],
      ['2030-03-17', '02:30', 'booked', null],
    ]);
    const third = decided[2]!;
    expect(third.status === 'booked' && new Date(third.slot.startsAt).toISOString()).toBe('2030-03-17T06:30:00.000Z'); // 02:30 EDT
  });
});
