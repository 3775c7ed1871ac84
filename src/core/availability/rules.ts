import type { CoreConfig } from '../deps.ts';
import { clockToMinutes, dateOfDay, dayNumber, minutesToClock, weekdayOfDay, zoneClock, type Interval, type ZoneClock } from './time.ts';

// The one definition of "bookable". Listing slots and booking one both call decideSlot over the same
// plain data, so a slot that is listed can be booked and a booking that succeeds was listable.
// Pure: no clock, no database; callers pass `now` and what they read.
//
// Windows are real time: on a local date a window covers exactly the instants whose wall-clock time
// in the coach's zone lies in [start, end). A daylight-saving change makes that shorter, longer or
// two pieces (ZoneClock.localSpan). Slots start at each piece's beginning and step by the duration
// in elapsed time, wholly inside the piece, so no two slots of a window overlap in real time and
// the repeated hour of a fall-back night is bookable. A slot is identified by its start instant.

export interface AvailabilityWindow {
  id: string;
  dayOfWeek: number;
  /** HH:mm wall clock in the coach's zone. */
  startTime: string;
  /** HH:mm wall clock in the coach's zone; "24:00" is the end of the day. */
  endTime: string;
  maxSessionsPerSlot: number;
  bufferMinutes: number;
  isActive: boolean;
}

/** Time the coach is already committed to: sessions that are not cancelled, grouped by start and length. */
export interface BusyTime {
  /** Start instant, ms since the epoch. */
  startsAt: number;
  /** Minutes. */
  duration: number;
  /** How many sessions share this start and length (seats taken when it is a slot). */
  sessions: number;
  /** How many of them belong to the member the calendar was read for (a member holds at most one seat of a slot). */
  mine?: number;
}

export interface CoachCalendar {
  /** IANA zone the windows are written in (coach_profiles.timezone). */
  timezone: string;
  windows: readonly AvailabilityWindow[];
  busy: readonly BusyTime[];
}

export interface BookingPolicy {
  /** ms since the epoch. */
  now: number;
  minNoticeMinutes: number;
  horizonDays: number;
}

/** The booking rule's limits as configured, at `now`: one definition for booking, listing and moving. */
export function bookingPolicy(config: CoreConfig, now: Date): BookingPolicy {
  return { now: now.getTime(), minNoticeMinutes: config.bookingMinNoticeMinutes, horizonDays: config.bookingHorizonDays };
}

/**
 * A slot asked for by its start instant (its identity), or by the coach's local date and wall-clock
 * time: a time clocks show twice that day means its first occurrence, one they skip has no slot.
 */
export type SlotRequest =
  | { /** ms since the epoch. */ startsAt: number; /** Minutes. */ duration: number }
  | { /** YYYY-MM-DD, the coach's local date. */ date: string; /** HH:mm, the coach's wall clock. */ time: string; duration: number };

export type UnbookableReason =
  /** The local date and time asked for does not exist: clocks skip it that day. */
  | 'nonexistent_time'
  /** No active window has a slot starting at that instant. */
  | 'outside_availability'
  /** In the past or closer than the minimum notice. */
  | 'too_soon'
  | 'beyond_horizon'
  /** The member the calendar was read for already holds a seat of this slot. */
  | 'already_booked'
  /** Overlaps another session widened by the window's buffer. */
  | 'slot_unavailable'
  /** Every seat of the slot is taken. */
  | 'slot_full';

/** Where a slot sits: the window and local date it belongs to, its start instant, and the coach's wall clock then. */
export interface PlacedSlot {
  window: AvailabilityWindow;
  startsAt: number;
  /** The coach's local date, YYYY-MM-DD. */
  date: string;
  /** The coach's wall clock, HH:mm. */
  time: string;
}

export type SlotDecision =
  | ({ bookable: true; maxCapacity: number; availableCapacity: number } & PlacedSlot)
  | ({ bookable: false; reason: UnbookableReason; startsAt?: number; maxCapacity?: number; availableCapacity?: number } & Partial<PlacedSlot>);

export interface Slot {
  /** UTC instant, ISO 8601: the slot's identity. */
  startsAt: string;
  /** The coach's local date, YYYY-MM-DD. */
  date: string;
  /** The coach's wall clock, HH:mm. */
  time: string;
  /** The coach's UTC offset at the start, e.g. -04:00: tells apart the two 01:00 slots of a fall-back night. */
  offset: string;
  /** The zone's short name at the start where there is one (EDT), else GMT+5:45 style. */
  abbreviation: string;
  duration: number;
  maxCapacity: number;
  availableCapacity: number;
}

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

interface Prepared {
  zone: ZoneClock;
  /** Active windows by weekday, sorted by start, with their bounds in minutes. */
  byWeekday: { window: AvailabilityWindow; from: number; to: number }[][];
  /** Busy times sorted by start. */
  busy: BusyTime[];
  longestBusy: number;
  /** Memoised per window and local day: listing decides every candidate, each needing its window's pieces. */
  pieces: Map<AvailabilityWindow, Map<number, Interval[]>>;
  dates: Map<number, string>;
}

// Preparing is a pure function of the calendar object; memoising it keeps listing a long range cheap.
const prepared = new WeakMap<CoachCalendar, Prepared>();

function prepare(calendar: CoachCalendar): Prepared {
  let p = prepared.get(calendar);
  if (!p) {
    const byWeekday: Prepared['byWeekday'] = [[], [], [], [], [], [], []];
    for (const w of calendar.windows) {
      if (w.isActive) byWeekday[w.dayOfWeek]?.push({ window: w, from: clockToMinutes(w.startTime), to: clockToMinutes(w.endTime) });
    }
    for (const list of byWeekday) list.sort((a, b) => a.from - b.from);
    const busy = [...calendar.busy].sort((a, b) => a.startsAt - b.startsAt);
    p = {
      zone: zoneClock(calendar.timezone),
      byWeekday,
      busy,
      longestBusy: Math.max(0, ...busy.map((b) => b.duration)),
      pieces: new Map(),
      dates: new Map(),
    };
    prepared.set(calendar, p);
  }
  return p;
}

/** The real time a window covers on local `day` (see the top of this file). */
function windowPieces(p: Prepared, w: Prepared['byWeekday'][number][number], day: number): Interval[] {
  let byDay = p.pieces.get(w.window);
  if (!byDay) p.pieces.set(w.window, (byDay = new Map()));
  let pieces = byDay.get(day);
  if (!pieces) byDay.set(day, (pieces = p.zone.localSpan(day, w.from, w.to)));
  return pieces;
}

function dateOf(p: Prepared, day: number): string {
  let date = p.dates.get(day);
  if (date === undefined) p.dates.set(day, (date = dateOfDay(day)));
  return date;
}

/** The instant a slot request names, or null when it names a local time clocks skip. */
export function slotInstant(calendar: CoachCalendar, request: SlotRequest): number | null {
  if ('startsAt' in request) return request.startsAt;
  return prepare(calendar).zone.instantOf(dayNumber(request.date), clockToMinutes(request.time));
}

/**
 * Where a slot starting at `startsAt` sits in the weekly schedule, ignoring seats, buffers and
 * policy: the active window covering that instant on its local date whose slot grid (each piece's
 * start, stepping by `duration` in elapsed time) has it as a start and holds the whole slot.
 */
export function placeSlot(calendar: CoachCalendar, slot: { startsAt: number; duration: number }): PlacedSlot | null {
  const p = prepare(calendar);
  const { startsAt } = slot;
  const step = slot.duration * MINUTE_MS;
  const local = p.zone.localOf(startsAt);
  for (const w of p.byWeekday[weekdayOfDay(local.day)] ?? []) {
    if (local.minutes < w.from || local.minutes >= w.to) continue;
    const piece = windowPieces(p, w, local.day).find((x) => x.start <= startsAt && startsAt < x.end);
    if (piece && (startsAt - piece.start) % step === 0 && startsAt + step <= piece.end) {
      return { window: w.window, startsAt, date: dateOf(p, local.day), time: minutesToClock(local.minutes) };
    }
  }
  return null;
}

/** Whether a slot can be booked now, and its seats: the single rule behind listing and booking. */
export function decideSlot(calendar: CoachCalendar, policy: BookingPolicy, request: SlotRequest): SlotDecision {
  const startsAt = slotInstant(calendar, request);
  if (startsAt === null) return { bookable: false, reason: 'nonexistent_time' };
  const placed = placeSlot(calendar, { startsAt, duration: request.duration });
  if (!placed) return { bookable: false, reason: 'outside_availability', startsAt };
  if (startsAt < policy.now + policy.minNoticeMinutes * MINUTE_MS) return { bookable: false, reason: 'too_soon', ...placed };
  if (startsAt > policy.now + policy.horizonDays * DAY_MS) return { bookable: false, reason: 'beyond_horizon', ...placed };

  const p = prepare(calendar);
  const endsAt = startsAt + request.duration * MINUTE_MS;
  const buffer = placed.window.bufferMinutes * MINUTE_MS;
  let taken = 0;
  let mine = 0;
  let clash = false;
  for (let i = firstStartingAtOrAfter(p.busy, startsAt - buffer - p.longestBusy * MINUTE_MS); i < p.busy.length; i++) {
    const b = p.busy[i]!;
    if (b.startsAt >= endsAt + buffer) break;
    if (b.startsAt === startsAt && b.duration === request.duration) {
      taken += b.sessions;
      mine += b.mine ?? 0;
    } else if (b.startsAt - buffer < endsAt && b.startsAt + b.duration * MINUTE_MS + buffer > startsAt) clash = true;
  }
  const maxCapacity = placed.window.maxSessionsPerSlot;
  const availableCapacity = Math.max(0, maxCapacity - taken);
  const seats = { maxCapacity, availableCapacity };
  if (mine > 0) return { bookable: false, reason: 'already_booked', ...placed, ...seats };
  if (availableCapacity === 0) return { bookable: false, reason: 'slot_full', ...placed, ...seats };
  if (clash) return { bookable: false, reason: 'slot_unavailable', ...placed, ...seats };
  return { bookable: true, ...placed, ...seats };
}

function firstStartingAtOrAfter(busy: readonly BusyTime[], at: number): number {
  let lo = 0;
  let hi = busy.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (busy[mid]!.startsAt < at) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Every bookable slot with a seat left on the coach's local dates `startDate`..`endDate`
 * (inclusive), in time order: each window's pieces on each date, stepped by the duration in
 * elapsed time, each candidate decided by decideSlot. With `full`, the slots refused only for
 * being full are listed too (no seat left: what a member may join the waitlist of).
 */
export function listSlots(
  calendar: CoachCalendar,
  policy: BookingPolicy,
  range: { startDate: string; endDate: string; duration: number },
  options: { full?: boolean } = {},
): Slot[] {
  const p = prepare(calendar);
  const { zone } = p;
  const slots: Slot[] = [];
  const step = range.duration * MINUTE_MS;
  const first = dayNumber(range.startDate);
  const last = dayNumber(range.endDate);
  // Local dates wholly before now or after the horizon cannot hold a slot; skip them unexamined.
  const from = Math.max(first, Math.floor(policy.now / DAY_MS) - 1);
  const to = Math.min(last, Math.floor((policy.now + policy.horizonDays * DAY_MS) / DAY_MS) + 1);
  const earliest = policy.now + policy.minNoticeMinutes * MINUTE_MS;
  for (let day = from; day <= to; day++) {
    const starts: number[] = [];
    for (const w of p.byWeekday[weekdayOfDay(day)] ?? []) {
      for (const piece of windowPieces(p, w, day)) {
        for (let at = piece.start; at + step <= piece.end; at += step) if (at >= earliest) starts.push(at);
      }
    }
    // Overlapping windows (which the service refuses, but a row could hold) must not list an instant twice.
    const unique = starts.length > 1 ? [...new Set(starts)].sort((a, b) => a - b) : starts;
    for (const startsAt of unique) {
      const decision = decideSlot(calendar, policy, { startsAt, duration: range.duration });
      if (!decision.bookable && !(options.full && decision.reason === 'slot_full')) continue;
      if (!decision.date || !decision.time) continue;
      slots.push({
        startsAt: new Date(startsAt).toISOString(),
        date: decision.date,
        time: decision.time,
        offset: zone.offsetTextAt(startsAt),
        abbreviation: zone.abbreviationAt(startsAt),
        duration: range.duration,
        maxCapacity: decision.maxCapacity ?? 0,
        availableCapacity: decision.bookable ? decision.availableCapacity : 0,
      });
    }
  }
  return slots;
}

/** Whether two windows share any minute of the same weekday. */
export function windowsOverlap(
  a: Pick<AvailabilityWindow, 'dayOfWeek' | 'startTime' | 'endTime'>,
  b: Pick<AvailabilityWindow, 'dayOfWeek' | 'startTime' | 'endTime'>,
): boolean {
  return (
    a.dayOfWeek === b.dayOfWeek &&
    clockToMinutes(a.startTime) < clockToMinutes(b.endTime) &&
    clockToMinutes(b.startTime) < clockToMinutes(a.endTime)
  );
}

/** A booked session as the schedule sees it: its start instant, and the coach-local date and time it shows. */
export interface BookedSlot {
  id: string;
  /** ms since the epoch. */
  startsAt: number;
  date: string;
  time: string;
  duration: number;
}

/** Whether a booking's start lies in the time a window covers (any alignment): what deleting the window would orphan. */
export function bookingInWindow(window: Pick<AvailabilityWindow, 'dayOfWeek' | 'startTime' | 'endTime'>, booking: BookedSlot): boolean {
  const start = clockToMinutes(booking.time);
  return (
    weekdayOfDay(dayNumber(booking.date)) === window.dayOfWeek &&
    start >= clockToMinutes(window.startTime) &&
    start < clockToMinutes(window.endTime)
  );
}

/**
 * Bookings a schedule would strand: those no active window places any more, and those whose slot
 * holds more bookings than its window's seats (every booking of an over-full slot is named).
 */
export function strandedBookings(
  schedule: { timezone: string; windows: readonly AvailabilityWindow[] },
  bookings: readonly BookedSlot[],
): string[] {
  const calendar: CoachCalendar = { ...schedule, busy: [] };
  const bySlot = new Map<string, { capacity: number; ids: string[] }>();
  const stranded: string[] = [];
  for (const booking of bookings) {
    const placed = placeSlot(calendar, booking);
    if (!placed) {
      stranded.push(booking.id);
      continue;
    }
    const key = `${placed.startsAt}/${booking.duration}`;
    const slot = bySlot.get(key) ?? { capacity: placed.window.maxSessionsPerSlot, ids: [] };
    slot.ids.push(booking.id);
    bySlot.set(key, slot);
  }
  for (const slot of bySlot.values()) if (slot.ids.length > slot.capacity) stranded.push(...slot.ids);
  return stranded;
}
