import { IANAZone } from 'luxon';

// Wall-clock arithmetic for availability. A local calendar date is a "day number" (days since
// 1970-01-01) and a wall-clock time is minutes since local midnight; only turning those into an
// instant needs the zone, and that is where daylight-saving changes are handled.

export const MINUTES_PER_DAY = 1440;
const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;
/** Every UTC offset in use lies within ±14 h, so instants showing a given local date lie within these margins. */
const OFFSET_MARGIN_MS = 14 * 3_600_000;

/** "HH:mm" (or "24:00", the end of a day) as minutes since midnight. */
export function clockToMinutes(clock: string): number {
  const [h, m] = clock.split(':');
  return Number(h) * 60 + Number(m);
}

export function minutesToClock(minutes: number): string {
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`;
}

/** YYYY-MM-DD as days since the epoch (a calendar date, no zone involved). */
export function dayNumber(date: string): number {
  const [y, m, d] = date.split('-').map(Number);
  return Math.floor(Date.UTC(y!, m! - 1, d!) / DAY_MS);
}

export function dateOfDay(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

/** 0 = Sunday ... 6 = Saturday, as in coach_availability.dayOfWeek. */
export function weekdayOfDay(day: number): number {
  // 1970-01-01 was a Thursday.
  return (((day + 4) % 7) + 7) % 7;
}

export function isValidZone(name: string): boolean {
  return IANAZone.isValidZone(name);
}

/** Local time of one IANA zone, with the per-day offset memoised so listing a range stays cheap. */
export class ZoneClock {
  readonly #zone: IANAZone;
  readonly #steady = new Map<number, number | null>();

  constructor(readonly name: string) {
    this.#zone = IANAZone.create(name);
    if (!this.#zone.isValid) throw new RangeError(`Unknown time zone ${name}`);
  }

  /** UTC offset in minutes at an instant. */
  offsetAt(ms: number): number {
    return this.#zone.offset(ms);
  }

  /** The offset that holds for every instant showing `day` (up to its 24:00), or null on a transition day. */
  steadyOffset(day: number): number | null {
    let offset = this.#steady.get(day);
    if (offset === undefined) {
      const before = this.offsetAt(day * DAY_MS - OFFSET_MARGIN_MS);
      const after = this.offsetAt((day + 1) * DAY_MS + OFFSET_MARGIN_MS);
      offset = before === after ? before : null;
      this.#steady.set(day, offset);
    }
    return offset;
  }

  /**
   * The instant (ms) at which clocks in this zone show `minutes` on local `day`. A time skipped by a
   * spring-forward change has none (null); a time repeated by a fall-back change resolves to its
   * first occurrence, so each wall-clock time maps to exactly one instant.
   */
  instantOf(day: number, minutes: number): number | null {
    const asUtc = day * DAY_MS + minutes * MINUTE_MS;
    const steady = this.steadyOffset(day);
    if (steady !== null) return asUtc - steady * MINUTE_MS;
    const offsets = new Set([
      this.offsetAt(day * DAY_MS - OFFSET_MARGIN_MS),
      this.offsetAt((day + 1) * DAY_MS + OFFSET_MARGIN_MS),
      this.offsetAt(asUtc),
    ]);
    let first: number | null = null;
    for (const offset of offsets) {
      const candidate = asUtc - offset * MINUTE_MS;
      if (this.offsetAt(candidate) === offset && (first === null || candidate < first)) first = candidate;
    }
    return first;
  }

  /** Local day and minutes since local midnight that clocks show at an instant. */
  localOf(ms: number): { day: number; minutes: number } {
    const local = ms + this.offsetAt(ms) * MINUTE_MS;
    const day = Math.floor(local / DAY_MS);
    return { day, minutes: Math.floor((local - day * DAY_MS) / MINUTE_MS) };
  }
}
