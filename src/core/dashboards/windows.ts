import { DateTime } from 'luxon';

/** A half-open interval of instants [start, end). */
export interface Window {
  start: Date;
  end: Date;
}

/**
 * The calendar day containing `now` in a time zone: from local midnight to the next local
 * midnight, so a day across a DST change is 23 or 25 hours long (Property 38).
 */
export function dayWindow(now: Date, zone: string): Window {
  const local = DateTime.fromJSDate(now, { zone }).startOf('day');
  return { start: local.toJSDate(), end: local.plus({ days: 1 }).toJSDate() };
}

/** The ISO week (Monday to Sunday) containing `now` in a time zone (Property 39). */
export function isoWeekWindow(now: Date, zone: string): Window {
  const local = DateTime.fromJSDate(now, { zone }).startOf('week');
  return { start: local.toJSDate(), end: local.plus({ weeks: 1 }).toJSDate() };
}

export function contains(w: Window, at: Date): boolean {
  return at.getTime() >= w.start.getTime() && at.getTime() < w.end.getTime();
}
