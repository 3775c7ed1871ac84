import type { BookingSeriesView } from '../core/bookings/index.ts';
import type { SessionView } from '../core/sessions/index.ts';

// What "cancel this and all later ones" covers for a session of a weekly series (docs/design.md §9):
// read by the screens that offer it (features/series-cancel.ts, the member's list and reminder, the
// coach's card) and by the one that does it.

/** The series' still-scheduled sessions from `position` on, in order: what core's "this and later" cancels. */
export function scheduledFrom(series: Pick<BookingSeriesView, 'occurrences'>, position: number): { id: string; scheduledAt: Date }[] {
  return series.occurrences
    .filter((o) => o.position >= position && o.session?.status === 'scheduled')
    .sort((a, b) => a.position - b.position)
    .map((o) => ({ id: o.session!.id, scheduledAt: new Date(o.session!.scheduledAt) }));
}

/** Whether a session has later occurrences to offer "this and later" for, as the session alone tells. */
export function hasLaterOccurrences(s: Pick<SessionView, 'series'>): boolean {
  return s.series !== null && s.series.position < s.series.count;
}
