import { DateTime } from 'luxon';

// Times as the viewer reads them: in their own zone, the zone named, and the UTC offset added
// where the wall-clock time occurs twice (the repeated hour of a fall-back night).

export function local(at: Date | string, zone: string): DateTime {
  return DateTime.fromJSDate(new Date(at), { zone });
}

/** Whether another instant shows the same wall-clock time in this zone (a fall-back repeat). */
export function isRepeatedWallTime(at: Date | string, zone: string): boolean {
  const here = local(at, zone);
  for (const hours of [-3, 3]) {
    const other = here.plus({ hours }).offset;
    if (other === here.offset) continue;
    const twin = here.plus({ minutes: here.offset - other });
    if (twin.offset === other && twin.toFormat('yyyy-MM-dd HH:mm') === here.toFormat('yyyy-MM-dd HH:mm')) return true;
  }
  return false;
}

/** "10:00", or "01:30 UTC+2" when 01:30 happens twice that night. */
export function clockLabel(at: Date | string, zone: string): string {
  const t = local(at, zone);
  return isRepeatedWallTime(at, zone) ? `${t.toFormat('HH:mm')} UTC${t.toFormat('Z')}` : t.toFormat('HH:mm');
}

/** "Mon 7 Jan" */
export function dayLabel(at: Date | string, zone: string): string {
  return local(at, zone).toFormat('ccc d LLL');
}

/** "Mon 7 Jan 2030, 10:00 (Europe/Berlin)" */
export function whenLabel(at: Date | string, zone: string): string {
  return `${local(at, zone).toFormat('ccc d LLL yyyy')}, ${clockLabel(at, zone)} (${zone})`;
}

/** "Mon 7 Jan 2030, 10:00–11:00 (Europe/Berlin)" */
export function spanLabel(at: Date | string, minutes: number, zone: string): string {
  const end = new Date(new Date(at).getTime() + minutes * 60_000);
  return `${local(at, zone).toFormat('ccc d LLL yyyy')}, ${clockLabel(at, zone)}–${clockLabel(end, zone)} (${zone})`;
}

/** "in 2 days 3 hours", "in 45 minutes", "now" */
export function countdown(from: Date, to: Date | string): string {
  const ms = new Date(to).getTime() - from.getTime();
  if (ms <= 60_000) return 'now';
  const minutes = Math.floor(ms / 60_000);
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  const mins = minutes % 60;
  const plural = (n: number, unit: string) => `${n} ${unit}${n === 1 ? '' : 's'}`;
  if (days > 0) return `in ${plural(days, 'day')}${hours ? ` ${plural(hours, 'hour')}` : ''}`;
  if (hours > 0) return `in ${plural(hours, 'hour')}${mins ? ` ${plural(mins, 'minute')}` : ''}`;
  return `in ${plural(mins, 'minute')}`;
}

/** Days since 1970-01-01 of the viewer's local date of an instant. */
export function localDayNumber(at: Date | string, zone: string): number {
  const d = local(at, zone);
  return Math.round(DateTime.fromObject({ year: d.year, month: d.month, day: d.day }, { zone: 'UTC' }).toMillis() / 86_400_000);
}

/** The instants a viewer's local day spans: [start, end). */
export function localDaySpan(day: number, zone: string): { start: Date; end: Date } {
  const date = DateTime.fromMillis(day * 86_400_000, { zone: 'UTC' });
  const start = DateTime.fromObject({ year: date.year, month: date.month, day: date.day }, { zone });
  return { start: start.toJSDate(), end: start.plus({ days: 1 }).toJSDate() };
}

/** YYYY-MM-DD of a day number. */
export function isoDate(day: number): string {
  return DateTime.fromMillis(day * 86_400_000, { zone: 'UTC' }).toFormat('yyyy-MM-dd');
}

/** What the chat shows of a member's credits: the balance and the soonest expiry. */
export interface CreditsShown {
  requiresCredits: boolean;
  available: number;
  total: number;
  until: Date | string | null;
}

/**
 * "4 of 10 sessions left · until 3 Mar", or "No sessions left in your package"; null when the coach
 * does not require credits and none were granted (booking is free: nothing to show).
 */
export function creditsLine(c: CreditsShown | null | undefined, zone: string): string | null {
  if (!c || (!c.requiresCredits && c.total === 0)) return null;
  if (c.total === 0 && c.available === 0) return 'No sessions left in your package';
  const until = c.until ? ` · until ${local(c.until, zone).toFormat('d LLL')}` : '';
  return `${c.available} of ${c.total} session${c.total === 1 ? '' : 's'} left${until}`;
}

/** "Last 90 days: 2 late cancellations, 1 no-show in 12 sessions (17%, 8%)"; null without sessions. */
export function attendanceLine(a: { sessions: number; lateCancellations: number; noShows: number } | null | undefined): string | null {
  if (!a || a.sessions === 0) return null;
  const pct = (n: number) => `${Math.round((100 * n) / a.sessions)}%`;
  const plural = (n: number, unit: string) => `${n} ${unit}${n === 1 ? '' : 's'}`;
  return `Last 90 days: ${plural(a.lateCancellations, 'late cancellation')} (${pct(a.lateCancellations)}), ${plural(a.noShows, 'no-show')} (${pct(a.noShows)}) in ${plural(a.sessions, 'session')}.`;
}
