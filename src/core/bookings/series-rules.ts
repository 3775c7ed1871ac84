import {
  dateOfDay,
  decideSlot,
  minutesToClock,
  placeSlot,
  unbookableError,
  type BookingPolicy,
  type CoachCalendar,
  type PlacedSlot,
  type SlotRequest,
} from '../availability/index.ts';
import { zoneClock } from '../availability/time.ts';
import type { ErrorCode } from '../errors.ts';

// A recurring series (docs/design.md §9), decided as pure data: the occurrences are the first's
// wall-clock time in the coach's zone every `interval` weeks, each decided by decideSlot on the
// calendar as it would be after the series' earlier occurrences were booked, exactly as single
// bookings made in order would be. No clock, no database: the service passes what it read under
// the coach lock, and the property tests pass what they generate.

export const MAX_SERIES_COUNT = 26;
export const SERIES_INTERVALS = [1, 2] as const;

export interface SeriesRequest {
  /** The first occurrence's instant, ms since the epoch. */
  startsAt: number;
  /** Minutes. */
  duration: number;
  count: number;
  /** Weeks between occurrences. */
  interval: number;
  allOrNothing: boolean;
  /** The member already holds the first occurrence's slot (a session made the first occurrence): it is booked as it is. */
  firstHeld?: boolean;
}

/** One occurrence as planned: its position (1-based) and the coach-local date and wall time it asks for. */
export interface PlannedOccurrence {
  position: number;
  date: string;
  time: string;
}

/**
 * What an occurrence came to: `booked`; `unavailable` with the reason (an error code, as a single
 * booking of it would be refused); or `withheld`, bookable but not booked because the series was
 * all or nothing and another occurrence was unavailable.
 */
export type OccurrenceDecision = PlannedOccurrence & { startsAt: number | null } & (
    | { status: 'booked'; slot: PlacedSlot; /** An existing session of the member, made this occurrence. */ held?: boolean }
    | { status: 'unavailable'; reason: ErrorCode }
    | { status: 'withheld' }
  );

/**
 * An extra condition a booked occurrence must meet beyond decideSlot (e.g. a credit left when the
 * coach requires them): given the slot and the occurrences booked before it, null to let it be
 * booked or the refusal's code. Occurrences are offered in order, so a check may count.
 */
export type OccurrenceCheck = (slot: PlacedSlot, bookedBefore: readonly OccurrenceDecision[]) => ErrorCode | null;

/** The first's coach-local date and wall time, and the date and time of each later occurrence. */
export function planSeries(timezone: string, request: Pick<SeriesRequest, 'startsAt' | 'count' | 'interval'>): PlannedOccurrence[] {
  const local = zoneClock(timezone).localOf(request.startsAt);
  const time = minutesToClock(local.minutes);
  return Array.from({ length: request.count }, (_, i) => ({ position: i + 1, date: dateOfDay(local.day + 7 * request.interval * i), time }));
}

/** The instants a series may touch, for reading the calendar once: first day before to last day after. */
export function seriesRange(request: Pick<SeriesRequest, 'startsAt' | 'count' | 'interval' | 'duration'>): { from: Date; to: Date } {
  const DAY_MS = 86_400_000;
  const last = request.startsAt + (request.count - 1) * request.interval * 7 * DAY_MS;
  return { from: new Date(request.startsAt - 2 * DAY_MS), to: new Date(last + 2 * DAY_MS + request.duration * 60_000) };
}

/**
 * Decides every occurrence of a series on `calendar` (read for the series' member, so a seat they
 * hold counts as theirs): each by decideSlot, the first by its instant, the later ones by their
 * local date and wall time (a time the clocks skip that day is `nonexistent_time`, a repeated one
 * its first occurrence), then by each of `checks`. A booked occurrence joins the calendar as the
 * member's session before the next is decided, so the series never overfills a slot, holds two
 * seats of one slot or breaks a buffer against itself. With `allOrNothing`, a single unavailable
 * occurrence withholds every bookable one.
 */
export function decideSeries(
  calendar: CoachCalendar,
  policy: BookingPolicy,
  request: SeriesRequest,
  checks: readonly OccurrenceCheck[] = [],
): OccurrenceDecision[] {
  let current = calendar;
  const decided: OccurrenceDecision[] = [];
  const booked: OccurrenceDecision[] = [];
  for (const planned of planSeries(calendar.timezone, request)) {
    if (planned.position === 1 && request.firstHeld) {
      // Held already (its seat is in the calendar as the member's): booked as it is, if the schedule still places it.
      const held = placeSlot(current, { startsAt: request.startsAt, duration: request.duration });
      const occurrence: OccurrenceDecision = held
        ? { ...planned, startsAt: request.startsAt, status: 'booked', slot: held, held: true }
        : { ...planned, startsAt: request.startsAt, status: 'unavailable', reason: 'outside_availability' };
      decided.push(occurrence);
      if (held) booked.push(occurrence);
      continue;
    }
    const slot: SlotRequest = planned.position === 1 ? { startsAt: request.startsAt, duration: request.duration } : { date: planned.date, time: planned.time, duration: request.duration };
    const decision = decideSlot(current, policy, slot);
    const startsAt = decision.startsAt ?? null;
    if (!decision.bookable) {
      decided.push({ ...planned, startsAt, status: 'unavailable', reason: unbookableError(decision.reason).code });
      continue;
    }
    const placed: PlacedSlot = { window: decision.window, startsAt: decision.startsAt, date: decision.date, time: decision.time };
    const refused = checks.map((check) => check(placed, booked)).find((code) => code !== null);
    if (refused) {
      decided.push({ ...planned, startsAt, status: 'unavailable', reason: refused });
      continue;
    }
    const occurrence: OccurrenceDecision = { ...planned, startsAt, status: 'booked', slot: placed };
    decided.push(occurrence);
    booked.push(occurrence);
    // A new calendar object: decideSlot memoises its preparation per calendar.
    current = { ...current, busy: [...current.busy, { startsAt: placed.startsAt, duration: request.duration, sessions: 1, mine: 1 }] };
  }
  if (request.allOrNothing && decided.some((d) => d.status === 'unavailable')) {
    return decided.map((d) => (d.status === 'booked' && !d.held ? { position: d.position, date: d.date, time: d.time, startsAt: d.startsAt, status: 'withheld' } : d));
  }
  return decided;
}
