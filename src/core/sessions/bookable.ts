import type { DbTx } from '../../db/client.ts';
import {
  dateOfDay,
  decideSlot,
  instantsAroundSlot,
  loadCoachCalendar,
  minutesToClock,
  ZoneClock,
  type BookingPolicy,
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
  exceptSessionId?: string;
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

export async function assertBookableTime(tx: DbTx, policy: BookingPolicy, request: BookableRequest): Promise<BookedTime> {
  const at = request.scheduledAt.getTime();
  // The instant's UTC date and time are within a zone offset of the coach's wall clock, which the
  // slot look-around allows for.
  const iso = request.scheduledAt.toISOString();
  const range = instantsAroundSlot(iso.slice(0, 10), iso.slice(11, 16), request.duration);
  const calendar = await loadCoachCalendar(tx, request.coachId, range, request.exceptSessionId);
  if (!calendar) throw new NotFoundError('Coach', request.coachId);
  const local = new ZoneClock(calendar.timezone).localOf(at);
  const slot = { date: dateOfDay(local.day), time: minutesToClock(local.minutes), duration: request.duration };
  const decision = decideSlot(calendar, policy, slot);
  if (!decision.bookable) throw refusal(decision.reason);
  // A start off the minute, or the second pass of a repeated autumn hour, is not the slot's start.
  if (decision.startsAt !== at) throw refusal('outside_availability');
  return { date: slot.date, time: slot.time };
}
