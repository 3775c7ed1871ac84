import { IANAZone } from 'luxon';

// Wall-clock arithmetic for availability. A local calendar date is a "day number" (days since
// 1970-01-01) and a wall-clock time is minutes since local midnight; only turning those into real
// instants needs the zone, and that is where daylight-saving changes are handled.

export const MINUTES_PER_DAY = 1440;
const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;
/** Every UTC offset in use lies within ±14 h, so instants showing a given local time lie within this margin of it. */
const OFFSET_MARGIN_MS = 14 * 3_600_000;
/**
 * The zone's offset is sampled every 12 hours and a change between two samples is found by bisection.
 * That relies on no zone changing its offset twice within 12 hours, which holds for every zone in the
 * tz database since 1970 (changes are months apart); the property tests check it over many zones.
 */
const SAMPLE_MS = 12 * 3_600_000;

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

/** A UTC offset in minutes as ISO 8601 text: +05:45, -04:00, +00:00. */
export function formatOffset(minutes: number): string {
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.abs(minutes);
  return `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

export function isValidZone(name: string): boolean {
  return IANAZone.isValidZone(name);
}

/** A stretch of real time, [start, end) in ms since the epoch. */
export interface Interval {
  start: number;
  end: number;
}

/** Real time during which the zone keeps one offset (minutes). */
interface Segment extends Interval {
  offset: number;
}

/**
 * Local time of one IANA zone. Offsets are read from the runtime's tz data once per 12-hour sample
 * and memoised with the instants they change at, so listing a long range asks the runtime little.
 */
export class ZoneClock {
  readonly #zone: IANAZone;
  readonly #samples = new Map<number, number>();
  readonly #changes = new Map<number, number>();
  readonly #abbreviations = new Map<number, string>();
  readonly #offsetTexts = new Map<number, string>();

  constructor(readonly name: string) {
    this.#zone = IANAZone.create(name);
    if (!this.#zone.isValid) throw new RangeError(`Unknown time zone ${name}`);
  }

  #sample(k: number): number {
    let offset = this.#samples.get(k);
    if (offset === undefined) {
      offset = this.#zone.offset(k * SAMPLE_MS);
      this.#samples.set(k, offset);
    }
    return offset;
  }

  /** The first whole minute after sample k at which the offset of sample k + 1 holds (they differ). */
  #change(k: number): number {
    let at = this.#changes.get(k);
    if (at === undefined) {
      const after = this.#sample(k + 1);
      let lo = k * SAMPLE_MS;
      let hi = (k + 1) * SAMPLE_MS;
      while (hi - lo > MINUTE_MS) {
        const mid = lo + Math.floor((hi - lo) / 2 / MINUTE_MS) * MINUTE_MS;
        if (this.#zone.offset(mid) === after) hi = mid;
        else lo = mid;
      }
      at = hi;
      this.#changes.set(k, at);
    }
    return at;
  }

  /** UTC offset in minutes at an instant. */
  offsetAt(ms: number): number {
    const k = Math.floor(ms / SAMPLE_MS);
    const before = this.#sample(k);
    const after = this.#sample(k + 1);
    if (before === after) return before;
    return ms < this.#change(k) ? before : after;
  }

  /** The UTC offset at an instant as ISO 8601 text (-04:00), memoised per offset. */
  offsetTextAt(ms: number): string {
    const offset = this.offsetAt(ms);
    let text = this.#offsetTexts.get(offset);
    if (text === undefined) this.#offsetTexts.set(offset, (text = formatOffset(offset)));
    return text;
  }

  /** The zone's short name at an instant where the runtime has one (EDT, CET), else its offset (GMT+5:45). */
  abbreviationAt(ms: number): string {
    const offset = this.offsetAt(ms);
    let name = this.#abbreviations.get(offset);
    if (name === undefined) {
      name = this.#zone.offsetName(ms, { format: 'short', locale: 'en-US' }) ?? formatOffset(offset);
      this.#abbreviations.set(offset, name);
    }
    return name;
  }

  /** The stretches of constant offset that cover [from, to), in order. */
  #segments(from: number, to: number): Segment[] {
    const segments: Segment[] = [];
    let start = from;
    let offset = this.offsetAt(from);
    for (let k = Math.floor(from / SAMPLE_MS); k * SAMPLE_MS < to; k++) {
      const next = this.#sample(k + 1);
      if (next === this.#sample(k)) continue;
      const at = this.#change(k);
      if (at <= from || at >= to) continue;
      segments.push({ start, end: at, offset });
      start = at;
      offset = next;
    }
    segments.push({ start, end: to, offset });
    return segments;
  }

  /**
   * The real instants whose wall-clock time on local `day` lies in [fromMinutes, toMinutes) (toMinutes
   * up to 1440), in order. One interval on most days; a daylight-saving change makes it shorter
   * (clocks skip), longer (clocks repeat), or two pieces (the span starts or ends inside a repeated
   * stretch). Consecutive pieces that touch in real time are one.
   */
  localSpan(day: number, fromMinutes: number, toMinutes: number): Interval[] {
    const localFrom = day * DAY_MS + fromMinutes * MINUTE_MS;
    const localTo = day * DAY_MS + toMinutes * MINUTE_MS;
    const pieces: Interval[] = [];
    for (const s of this.#segments(localFrom - OFFSET_MARGIN_MS, localTo + OFFSET_MARGIN_MS)) {
      const start = Math.max(s.start, localFrom - s.offset * MINUTE_MS);
      const end = Math.min(s.end, localTo - s.offset * MINUTE_MS);
      if (start >= end) continue;
      const last = pieces.at(-1);
      if (last && last.end === start) last.end = end;
      else pieces.push({ start, end });
    }
    return pieces;
  }

  /**
   * The instant at which clocks in this zone show `minutes` on local `day`: null when clocks skip
   * that time, the first occurrence when they show it twice.
   */
  instantOf(day: number, minutes: number): number | null {
    return this.localSpan(day, minutes, minutes + 1)[0]?.start ?? null;
  }

  /** Local day and minutes since local midnight that clocks show at an instant. */
  localOf(ms: number): { day: number; minutes: number } {
    const local = ms + this.offsetAt(ms) * MINUTE_MS;
    const day = Math.floor(local / DAY_MS);
    return { day, minutes: Math.floor((local - day * DAY_MS) / MINUTE_MS) };
  }
}

const zoneClocks = new Map<string, ZoneClock>();

/**
 * The process's one ZoneClock of a zone. Its memoised offsets depend only on the runtime's tz data,
 * so every listing and booking after the first finds them known instead of asking Intl again.
 */
export function zoneClock(name: string): ZoneClock {
  let clock = zoneClocks.get(name);
  if (!clock) zoneClocks.set(name, (clock = new ZoneClock(name)));
  return clock;
}
