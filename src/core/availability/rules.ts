import { clockToMinutes, dateOfDay, dayNumber, MINUTES_PER_DAY, minutesToClock, weekdayOfDay, ZoneClock } from './time.ts';

// The one definition of "bookable". Listing slots and booking one both call decideSlot over the same
// plain data, so a slot that is listed can be booked and a booking that succeeds was listable.
// Pure: no clock, no database; callers pass `now` and what they read.

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

export interface SlotRequest {
  /** YYYY-MM-DD, the coach's local date. */
  date: string;
  /** HH:mm, the coach's wall clock. */
  time: string;
  /** Minutes. */
  duration: number;
}

export type UnbookableReason =
  /** No active window has a slot starting at that wall-clock time, or clocks skip it that day. */
  | 'outside_availability'
  /** In the past or closer than the minimum notice. */
  | 'too_soon'
  | 'beyond_horizon'
  /** Overlaps another session widened by the window's buffer. */
  | 'slot_unavailable'
  /** Every seat of the slot is taken. */
  | 'slot_full';

export interface PlacedSlot {
  window: AvailabilityWindow;
  startsAt: number;
}

export type SlotDecision =
  | { bookable: true; startsAt: number; window: AvailabilityWindow; maxCapacity: number; availableCapacity: number }
  | { bookable: false; reason: UnbookableReason; startsAt?: number; window?: AvailabilityWindow; maxCapacity?: number; availableCapacity?: number };

export interface Slot {
  /** UTC instant, ISO 8601. */
  startsAt: string;
  /** The coach's local date, YYYY-MM-DD. */
  date: string;
  /** The coach's wall clock, HH:mm. */
  time: string;
  duration: number;
  maxCapacity: number;
  availableCapacity: number;
}

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

interface Prepared {
  zone: ZoneClock;
  /** Active windows by weekday, sorted by start. */
  byWeekday: AvailabilityWindow[][];
  /** Busy times sorted by start. */
  busy: BusyTime[];
  longestBusy: number;
}

// Preparing is a pure function of the calendar object; memoising it keeps listing a long range cheap.
const prepared = new WeakMap<CoachCalendar, Prepared>();

function prepare(calendar: CoachCalendar): Prepared {
  let p = prepared.get(calendar);
  if (!p) {
    const byWeekday: AvailabilityWindow[][] = [[], [], [], [], [], [], []];
    for (const w of calendar.windows) if (w.isActive) byWeekday[w.dayOfWeek]?.push(w);
    for (const list of byWeekday) list.sort((a, b) => clockToMinutes(a.startTime) - clockToMinutes(b.startTime));
    const busy = [...calendar.busy].sort((a, b) => a.startsAt - b.startsAt);
    p = { zone: new ZoneClock(calendar.timezone), byWeekday, busy, longestBusy: Math.max(0, ...busy.map((b) => b.duration)) };
    prepared.set(calendar, p);
  }
  return p;
}

/**
 * Where a slot sits in the weekly schedule, ignoring seats, buffers and policy: the active window
 * on that weekday whose grid (start, start + duration, ...) has this start and that holds the whole
 * slot, and the slot's start instant. Null when there is none or clocks skip that time that day.
 */
export function placeSlot(calendar: CoachCalendar, request: SlotRequest): PlacedSlot | null {
  const p = prepare(calendar);
  const day = dayNumber(request.date);
  const start = clockToMinutes(request.time);
  const window = p.byWeekday[weekdayOfDay(day)]?.find((w) => {
    const from = clockToMinutes(w.startTime);
    return start >= from && start + request.duration <= clockToMinutes(w.endTime) && (start - from) % request.duration === 0;
  });
  if (!window) return null;
  const startsAt = p.zone.instantOf(day, start);
  if (startsAt === null) return null;
  if (p.zone.steadyOffset(day) === null) {
    // On a change day the real end can show a later wall-clock time than start + duration.
    const end = p.zone.localOf(startsAt + request.duration * MINUTE_MS);
    if ((end.day - day) * MINUTES_PER_DAY + end.minutes > clockToMinutes(window.endTime)) return null;
  }
  return { window, startsAt };
}

/** Whether a slot can be booked now, and its seats: the single rule behind listing and booking. */
export function decideSlot(calendar: CoachCalendar, policy: BookingPolicy, request: SlotRequest): SlotDecision {
  const placed = placeSlot(calendar, request);
  if (!placed) return { bookable: false, reason: 'outside_availability' };
  const { window, startsAt } = placed;
  if (startsAt < policy.now + policy.minNoticeMinutes * MINUTE_MS) return { bookable: false, reason: 'too_soon', startsAt, window };
  if (startsAt > policy.now + policy.horizonDays * DAY_MS) return { bookable: false, reason: 'beyond_horizon', startsAt, window };

  const p = prepare(calendar);
  const endsAt = startsAt + request.duration * MINUTE_MS;
  const buffer = window.bufferMinutes * MINUTE_MS;
  let taken = 0;
  let clash = false;
  for (let i = firstStartingAtOrAfter(p.busy, startsAt - buffer - p.longestBusy * MINUTE_MS); i < p.busy.length; i++) {
    const b = p.busy[i]!;
    if (b.startsAt >= endsAt + buffer) break;
    if (b.startsAt === startsAt && b.duration === request.duration) taken += b.sessions;
    else if (b.startsAt - buffer < endsAt && b.startsAt + b.duration * MINUTE_MS + buffer > startsAt) clash = true;
  }
  const maxCapacity = window.maxSessionsPerSlot;
  const availableCapacity = Math.max(0, maxCapacity - taken);
  if (availableCapacity === 0) return { bookable: false, reason: 'slot_full', startsAt, window, maxCapacity, availableCapacity };
  if (clash) return { bookable: false, reason: 'slot_unavailable', startsAt, window, maxCapacity, availableCapacity };
  return { bookable: true, startsAt, window, maxCapacity, availableCapacity };
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
 * (inclusive), in time order. Candidates walk each window's grid in wall-clock time; decideSlot
 * drops times clocks skip and keeps a repeated time once (its first occurrence).
 */
export function listSlots(
  calendar: CoachCalendar,
  policy: BookingPolicy,
  range: { startDate: string; endDate: string; duration: number },
): Slot[] {
  const p = prepare(calendar);
  const slots: Slot[] = [];
  const first = dayNumber(range.startDate);
  const last = dayNumber(range.endDate);
  // Local dates wholly before now or after the horizon cannot hold a slot; skip them unexamined.
  const from = Math.max(first, Math.floor(policy.now / DAY_MS) - 1);
  const to = Math.min(last, Math.floor((policy.now + policy.horizonDays * DAY_MS) / DAY_MS) + 1);
  for (let day = from; day <= to; day++) {
    const date = dateOfDay(day);
    const seen = new Set<number>();
    for (const window of p.byWeekday[weekdayOfDay(day)] ?? []) {
      const end = clockToMinutes(window.endTime);
      for (let start = clockToMinutes(window.startTime); start + range.duration <= end; start += range.duration) {
        // Overlapping windows (which the service refuses, but a row could hold) must not list a time twice.
        if (seen.has(start)) continue;
        seen.add(start);
        const time = minutesToClock(start);
        const decision = decideSlot(calendar, policy, { date, time, duration: range.duration });
        if (!decision.bookable) continue;
        slots.push({
          startsAt: new Date(decision.startsAt).toISOString(),
          date,
          time,
          duration: range.duration,
          maxCapacity: decision.maxCapacity,
          availableCapacity: decision.availableCapacity,
        });
      }
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

/** A booking as the schedule sees it: the coach-local date and time it was made for. */
export interface BookedSlot {
  id: string;
  date: string;
  time: string;
  duration: number;
}

/** Whether a booking's start lies inside a window (any alignment): what deleting the window would orphan. */
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
