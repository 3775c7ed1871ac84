import type { DbTx } from '../../db/client.ts';
import { decideSlot, instantsAroundInstant, loadCoachCalendar, unbookableError, type BookingPolicy } from '../availability/index.ts';
import { NotFoundError } from '../errors.ts';

// Sessions made or moved by hand obey the booking rule: the instant goes to the availability
// module's decideSlot as a slot's identity, and its refusals answer with the same codes a booking
// gets. Call it under lockCoachCalendar.

export interface BookableRequest {
  coachId: string;
  scheduledAt: Date;
  duration: number;
  /** Member profile id: a member holds at most one seat of a slot. */
  memberId: string;
  /** The session being moved: its own seat does not count against its new time. */
  exceptSessionId?: string;
}

/** The coach-local date and wall-clock time the session takes, as a booking records them. */
export interface BookedTime {
  date: string;
  time: string;
}

export async function assertBookableTime(tx: DbTx, policy: BookingPolicy, request: BookableRequest): Promise<BookedTime> {
  const startsAt = request.scheduledAt.getTime();
  const calendar = await loadCoachCalendar(tx, request.coachId, instantsAroundInstant(startsAt, request.duration), {
    exceptSessionId: request.exceptSessionId,
    memberId: request.memberId,
  });
  if (!calendar) throw new NotFoundError('Coach', request.coachId);
  const decision = decideSlot(calendar, policy, { startsAt, duration: request.duration });
  if (!decision.bookable) throw unbookableError(decision.reason);
  return { date: decision.date, time: decision.time };
}
