import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decideSlot, listSlots, type AvailabilityWindow, type BookingPolicy, type CoachCalendar, type Slot } from '../../src/core/availability/index.ts';

// Availability windows are real time (issue 15 §1). Listing is checked against a brute-force
// reference that walks a local date minute by minute in real time and reads each minute's wall clock
// with the runtime's Intl (not the code under test): a window covers the instants whose wall-clock
// time that date lies in [start, end); maximal runs of covered minutes are its pieces; slots start at
// each piece's beginning and step by the duration, wholly inside the piece.

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** DST in both hemispheres at 01:00/02:00/03:00 and midnight, 30-minute shifts, odd offsets, and no DST at all. */
const ZONES = [
  'America/New_York',
  'Europe/London',
  'Europe/Berlin',
  'Australia/Lord_Howe',
  'Asia/Kathmandu',
  'Asia/Tokyo',
  'America/Santiago',
  'Australia/Sydney',
  'America/St_Johns',
  'Pacific/Chatham',
  'UTC',
] as const;

const formatters = new Map<string, Intl.DateTimeFormat>();

/** The wall clock an instant shows in a zone, from Intl alone: local date, minutes since midnight, offset. */
function wallClock(zone: string, at: number): { date: string; minutes: number; offset: number } {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' });
    formatters.set(zone, f);
  }
  const parts = Object.fromEntries(f.formatToParts(new Date(at)).map((p) => [p.type, p.value]));
  const date = `${parts.year}-${parts.month}-${parts.day}`;
  const minutes = Number(parts.hour) * 60 + Number(parts.minute);
  const offset = Math.round((Date.parse(`${date}T00:00:00Z`) + minutes * MINUTE - at) / MINUTE);
  return { date, minutes, offset };
}

const clock = (m: number) => `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
const minutesOf = (t: string) => Number(t.slice(0, 2)) * 60 + Number(t.slice(3, 5));
const weekdayOf = (date: string) => new Date(`${date}T00:00:00Z`).getUTCDay();
const offsetText = (m: number) => `${m < 0 ? '-' : '+'}${clock(Math.abs(m))}`;

interface Minute {
  at: number;
  date: string;
  minutes: number;
}

const walks = new Map<string, Minute[]>();

/** Every real minute that can show local `date` (any instant showing it lies within 14 h of its UTC midnights), with its wall clock. */
function walkDay(zone: string, date: string): Minute[] {
  const key = `${zone} ${date}`;
  let walk = walks.get(key);
  if (!walk) {
    const midnight = Date.parse(`${date}T00:00:00Z`);
    walk = [];
    for (let at = midnight - 15 * HOUR; at <= midnight + DAY + 15 * HOUR; at += MINUTE) walk.push({ at, ...wallClock(zone, at) });
    if (walks.size > 500) walks.clear();
    walks.set(key, walk);
  }
  return walk;
}

/** The reference: every slot start of these windows on `date`, walking real time minute by minute. */
function referenceStarts(zone: string, date: string, windows: readonly { startTime: string; endTime: string }[], duration: number): number[] {
  const starts = new Set<number>();
  for (const w of windows) {
    const from = minutesOf(w.startTime);
    const to = minutesOf(w.endTime);
    let pieceStart: number | null = null;
    for (const m of walkDay(zone, date)) {
      const covered = m.date === date && m.minutes >= from && m.minutes < to;
      if (covered && pieceStart === null) pieceStart = m.at;
      if (!covered && pieceStart !== null) {
        for (let s = pieceStart; s + duration * MINUTE <= m.at; s += duration * MINUTE) starts.add(s);
        pieceStart = null;
      }
    }
  }
  return [...starts].sort((a, b) => a - b);
}

/** The first real instant showing each wall-clock minute of `date` (absent: clocks skip it). */
function firstOccurrences(zone: string, date: string): Map<number, number> {
  const first = new Map<number, number>();
  for (const m of walkDay(zone, date)) if (m.date === date && !first.has(m.minutes)) first.set(m.minutes, m.at);
  return first;
}

function windowOf(dayOfWeek: number, startTime: string, endTime: string, extra: Partial<AvailabilityWindow> = {}): AvailabilityWindow {
  return { id: `${dayOfWeek}-${startTime}-${endTime}`, dayOfWeek, startTime, endTime, maxSessionsPerSlot: 1, bufferMinutes: 0, isActive: true, ...extra };
}

/** Local dates, from 2026 to 2032, on which a zone's offset changes (found with Intl, a day at a time). */
function changeDates(zone: string): string[] {
  const dates: string[] = [];
  for (let at = Date.parse('2026-01-01T12:00:00Z'); at < Date.parse('2032-01-01T12:00:00Z'); at += DAY) {
    const today = wallClock(zone, at);
    if (wallClock(zone, at + DAY).offset !== today.offset) dates.push(today.date, wallClock(zone, at + DAY).date);
  }
  return [...new Set(dates)];
}
const CHANGES = Object.fromEntries(ZONES.map((z) => [z, changeDates(z)])) as Record<string, string[]>;

const open: BookingPolicy = { now: Date.parse('2020-01-01T00:00:00Z'), minNoticeMinutes: 0, horizonDays: 20 * 366 };

const list = (calendar: CoachCalendar, date: string, duration: number): Slot[] =>
  listSlots(calendar, open, { startDate: date, endDate: date, duration });

/** A local date: mostly one on which the zone's offset changes, sometimes any date. */
const zoneDateArb = fc.constantFrom(...ZONES).chain((zone) =>
  fc.tuple(
    fc.constant(zone),
    CHANGES[zone]!.length
      ? fc.oneof(
          { weight: 4, arbitrary: fc.constantFrom(...CHANGES[zone]!) },
          { weight: 1, arbitrary: fc.integer({ min: 0, max: 6 * 365 }).map((d) => new Date(Date.parse('2026-01-01') + d * DAY).toISOString().slice(0, 10)) },
        )
      : fc.integer({ min: 0, max: 6 * 365 }).map((d) => new Date(Date.parse('2026-01-01') + d * DAY).toISOString().slice(0, 10)),
  ),
);

/** One or two windows that do not overlap, on 15-minute boundaries (24:00 allowed as an end). */
const spansArb = fc
  .uniqueArray(fc.integer({ min: 0, max: 96 }), { minLength: 2, maxLength: 4 })
  .map((edges) => edges.sort((a, b) => a - b))
  .map((e) => {
    const spans = [{ startTime: clock(e[0]! * 15), endTime: clock(e[1]! * 15) }];
    if (e.length === 4) spans.push({ startTime: clock(e[2]! * 15), endTime: clock(e[3]! * 15) });
    return spans;
  });

describe('availability windows are real time', () => {
  it('lists exactly the slots of the minute-by-minute reference, in every zone, on change days and others', () => {
    fc.assert(
      fc.property(zoneDateArb, spansArb, fc.constantFrom(15, 25, 30, 45, 60, 90, 120), ([zone, date], spans, duration) => {
        const calendar: CoachCalendar = { timezone: zone, windows: spans.map((s) => windowOf(weekdayOf(date), s.startTime, s.endTime)), busy: [] };
        const slots = list(calendar, date, duration);
        expect(slots.map((s) => Date.parse(s.startsAt))).toEqual(referenceStarts(zone, date, spans, duration));
        for (const s of slots) {
          // What a listing shows is the wall clock and offset at that instant.
          const local = wallClock(zone, Date.parse(s.startsAt));
          expect(`${s.date} ${s.time} ${s.offset}`).toBe(`${local.date} ${clock(local.minutes)} ${offsetText(local.offset)}`);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('decides one instant as listing does: bookable exactly at the reference starts, by instant or by its first local occurrence', () => {
    fc.assert(
      fc.property(zoneDateArb, spansArb, fc.constantFrom(30, 45, 60), ([zone, date], spans, duration) => {
        const calendar: CoachCalendar = { timezone: zone, windows: spans.map((s) => windowOf(weekdayOf(date), s.startTime, s.endTime)), busy: [] };
        const expected = new Set(referenceStarts(zone, date, spans, duration));
        const midnight = Date.parse(`${date}T00:00:00Z`);
        for (let at = midnight - 15 * HOUR; at <= midnight + DAY + 15 * HOUR; at += 15 * MINUTE) {
          expect(decideSlot(calendar, open, { startsAt: at, duration }).bookable, new Date(at).toISOString()).toBe(expected.has(at));
        }
        const firsts = firstOccurrences(zone, date);
        for (let m = 0; m < 1440; m += 15) {
          const d = decideSlot(calendar, open, { date, time: clock(m), duration });
          const first = firsts.get(m);
          if (first === undefined) expect(d).toMatchObject({ bookable: false, reason: 'nonexistent_time' });
          else expect(d.bookable).toBe(expected.has(first));
        }
      }),
      { numRuns: 100 },
    );
  });

  it('never lets two slots of one window overlap in real time, and keeps every slot inside the time its window covers', () => {
    fc.assert(
      fc.property(zoneDateArb, spansArb, fc.integer({ min: 5, max: 180 }), ([zone, date], spans, duration) => {
        const [span] = spans;
        const calendar: CoachCalendar = { timezone: zone, windows: [windowOf(weekdayOf(date), span!.startTime, span!.endTime)], busy: [] };
        const starts = list(calendar, date, duration).map((s) => Date.parse(s.startsAt));
        for (let i = 1; i < starts.length; i++) expect(starts[i]! - starts[i - 1]!).toBeGreaterThanOrEqual(duration * MINUTE);
        const shown = new Map(walkDay(zone, date).map((m) => [m.at, m]));
        for (const start of starts) {
          for (let at = start; at < start + duration * MINUTE; at += MINUTE) {
            const local = shown.get(at)!;
            expect(local.date === date && local.minutes >= minutesOf(span!.startTime) && local.minutes < minutesOf(span!.endTime)).toBe(true);
          }
        }
      }),
      { numRuns: 100 },
    );
  });

  it('gives one window the same slots as the same span split into two adjacent windows when no time repeats and the first part holds whole slots', () => {
    fc.assert(
      fc.property(zoneDateArb, fc.integer({ min: 0, max: 92 }), fc.integer({ min: 1, max: 8 }), fc.integer({ min: 1, max: 8 }), fc.constantFrom(15, 30, 60), ([zone, date], a, l1, l2, duration) => {
        const [from, mid, to] = [a, Math.min(96, a + l1), Math.min(96, a + l1 + l2)].map((q) => clock(q * 15));
        const midnight = Date.parse(`${date}T00:00:00Z`);
        // A fall-back night can split a window in two pieces, and then the grids differ: only days whose clocks never go back.
        fc.pre(mid !== to && wallClock(zone, midnight + DAY + 15 * HOUR).offset >= wallClock(zone, midnight - 15 * HOUR).offset);
        // The first window's real length (its one-minute slots) must hold whole slots, or the second grid starts elsewhere.
        fc.pre(referenceStarts(zone, date, [{ startTime: from!, endTime: mid! }], 1).length % duration === 0);
        const weekday = weekdayOf(date);
        const one: CoachCalendar = { timezone: zone, windows: [windowOf(weekday, from!, to!)], busy: [] };
        const two: CoachCalendar = { timezone: zone, windows: [windowOf(weekday, from!, mid!), windowOf(weekday, mid!, to!)], busy: [] };
        expect(list(two, date, duration).map((s) => s.startsAt)).toEqual(list(one, date, duration).map((s) => s.startsAt));
      }),
      { numRuns: 100 },
    );
  });
});

describe('the daylight-saving nights of the issue', () => {
  // New York: 2027-03-14 (Sunday) clocks jump 02:00 EST -> 03:00 EDT; 2027-11-07 (Sunday) 02:00 EDT -> 01:00 EST.
  const ny = (windows: [string, string][], day = 0): CoachCalendar => ({
    timezone: 'America/New_York',
    windows: windows.map(([s, e]) => windowOf(day, s, e)),
    busy: [],
  });
  const show = (slots: Slot[]) => slots.map((s) => `${s.time} ${s.offset} ${s.startsAt}`);

  it('spring forward, window 00:00-02:00: both hourly slots, the 01:00 one included', () => {
    expect(show(list(ny([['00:00', '02:00']]), '2027-03-14', 60))).toEqual([
      '00:00 -05:00 2027-03-14T05:00:00.000Z',
      '01:00 -05:00 2027-03-14T06:00:00.000Z',
    ]);
  });

  it('spring forward: one window 01:00-03:00 equals two windows 01:00-02:00 + 02:00-03:00', () => {
    for (const duration of [15, 30, 60]) {
      const one = list(ny([['01:00', '03:00']]), '2027-03-14', duration);
      expect(one.length).toBe(60 / duration);
      expect(show(list(ny([['01:00', '02:00'], ['02:00', '03:00']]), '2027-03-14', duration))).toEqual(show(one));
    }
  });

  it('spring forward: 45-minute slots never overlap in real time', () => {
    const slots = list(ny([['00:00', '04:00']]), '2027-03-14', 45);
    // 00:00 EST to 04:00 EDT is three real hours: four slots, the last starting 03:15 EDT.
    expect(show(slots)).toEqual([
      '00:00 -05:00 2027-03-14T05:00:00.000Z',
      '00:45 -05:00 2027-03-14T05:45:00.000Z',
      '01:30 -05:00 2027-03-14T06:30:00.000Z',
      '03:15 -04:00 2027-03-14T07:15:00.000Z',
    ]);
  });

  it('fall back, window 01:00-03:00: three hourly slots, the repeated 01:00 told apart by its offset', () => {
    const slots = list(ny([['01:00', '03:00']]), '2027-11-07', 60);
    expect(show(slots)).toEqual([
      '01:00 -04:00 2027-11-07T05:00:00.000Z',
      '01:00 -05:00 2027-11-07T06:00:00.000Z',
      '02:00 -05:00 2027-11-07T07:00:00.000Z',
    ]);
    expect(slots.map((s) => s.abbreviation)).toEqual(['EDT', 'EST', 'EST']);
  });

  it('by local date and time: a repeated time means its first occurrence, a skipped one does not exist', () => {
    const open24 = ny([['00:00', '24:00']]);
    expect(decideSlot(open24, open, { date: '2027-11-07', time: '01:00', duration: 60 })).toMatchObject({ bookable: true, startsAt: Date.parse('2027-11-07T05:00:00Z') });
    expect(decideSlot(open24, open, { startsAt: Date.parse('2027-11-07T06:00:00Z'), duration: 60 })).toMatchObject({ bookable: true, date: '2027-11-07', time: '01:00' });
    expect(decideSlot(open24, open, { date: '2027-03-14', time: '02:30', duration: 30 })).toMatchObject({ bookable: false, reason: 'nonexistent_time' });
    // Lord Howe moves by 30 minutes: 2027-10-03 02:00 -> 02:30 local; 2027-04-04 02:00 -> 01:30 local.
    const lordHowe = (day: number): CoachCalendar => ({ timezone: 'Australia/Lord_Howe', windows: [windowOf(day, '00:00', '24:00')], busy: [] });
    expect(decideSlot(lordHowe(0), open, { date: '2027-10-03', time: '02:15', duration: 15 })).toMatchObject({ reason: 'nonexistent_time' });
    expect(list(lordHowe(0), '2027-04-04', 30).filter((s) => s.time === '01:30').map((s) => s.offset)).toEqual(['+11:00', '+10:30']);
  });
});
