import type { DbTx } from '../../db/client.ts';
import {
  dateOfDay,
  decideSlot,
  instantsAroundSlot,
  loadCoachCalendar,
  minutesToClock,
  ZoneClock,
  type BookingPolicy,
  unbookableError,
} from '../availability/index.ts';
import { NotFoundError } from '../errors.ts';

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
  if (!decision.bookable) throw unbookableError(decision.reason);
  // A start off the minute, or the second pass of a repeated autumn hour, is not the slot's start.
  if (decision.startsAt !== at) throw unbookableError('outside_availability');
  return { date: slot.date, time: slot.time };
}
