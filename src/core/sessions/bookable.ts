import type { DbTx } from '../../db/client.ts';
import {
  dateOfDay,
  decideSlot,
  instantsAround,
  loadCoachCalendar,
  minutesToClock,
  ZoneClock,
  type BookingPolicy,
  type BusyTime,
  type UnbookableReason,
} from '../availability/index.ts';
import { ConflictError, NotFoundError, SLOT_FULL_MESSAGE, UnprocessableError, type DomainError } from '../errors.ts';

// Sessions made or moved by hand obey the booking rule: this adapts an instant to the availability
// module's decideSlot (which reasons in the coach's wall-clock date and time) and answers its
// refusals with the same codes a booking gets. Call it under lockCoachCalendar.

export interface BookableRequest {
  coachId: string;
  scheduledAt: Date;
  duration: number;
  /** The session being moved: its own seat does not count against its new time. */
  replacing?: { scheduledAt: Date; duration: number };
}

/** The coach-local date and wall-clock time the session takes, as a booking records them. */
export interface BookedTime {
  date: string;
  time: string;
}

function refusal(reason: UnbookableReason): DomainError {
  switch (reason) {
    case 'slot_full':
      return new ConflictError('slot_full', SLOT_FULL_MESSAGE);
    case 'slot_unavailable':
      return new ConflictError('slot_unavailable', 'This time is no longer available, please choose another');
    case 'too_soon':
      return new UnprocessableError('booking_too_soon', 'This time is in the past or too close to book');
    case 'beyond_horizon':
      return new UnprocessableError('booking_too_far_ahead', 'This time is too far ahead to book');
    case 'outside_availability':
      return new UnprocessableError('outside_availability', "The requested time is not within the coach's availability");
  }
}

/** Busy times without one occurrence of the replaced session (equal entries are interchangeable). */
function withoutOne(busy: readonly BusyTime[], replaced: { scheduledAt: Date; duration: number }): BusyTime[] {
  const at = replaced.scheduledAt.getTime();
  const index = busy.findIndex((b) => b.startsAt === at && b.duration === replaced.duration);
  return index < 0 ? [...busy] : [...busy.slice(0, index), ...busy.slice(index + 1)];
}

export async function assertBookableTime(tx: DbTx, policy: BookingPolicy, request: BookableRequest): Promise<BookedTime> {
  const at = request.scheduledAt.getTime();
  // The UTC date is within a day of the coach's local one, well inside the calendar's look-around.
  const utcDate = request.scheduledAt.toISOString().slice(0, 10);
  const calendar = await loadCoachCalendar(tx, request.coachId, instantsAround(utcDate, utcDate));
  if (!calendar) throw new NotFoundError('Coach', request.coachId);
  const local = new ZoneClock(calendar.timezone).localOf(at);
  const slot = { date: dateOfDay(local.day), time: minutesToClock(local.minutes), duration: request.duration };
  const busy = request.replacing ? withoutOne(calendar.busy, request.replacing) : calendar.busy;
  const decision = decideSlot({ ...calendar, busy }, policy, slot);
  if (!decision.bookable) throw refusal(decision.reason);
  // A start off the minute, or the second pass of a repeated autumn hour, is not the slot's start.
  if (decision.startsAt !== at) throw refusal('outside_availability');
  return { date: slot.date, time: slot.time };
}
