import { ConflictError, SLOT_FULL_MESSAGE, UnprocessableError, type DomainError } from '../errors.ts';
import type { UnbookableReason } from './rules.ts';

// What each of decideSlot's refusals answers, the same for a booking, a session made by hand and a
// reschedule. A refusal that is the slot's fault (full, taken by another session) is a 409 the
// caller may record; the others are about the request itself (422s, and the 409 of a member asking
// for a second seat of a slot they hold, which is refused without a record).

export const SLOT_UNAVAILABLE_MESSAGE = 'This time is no longer available, please choose another';

type SlotRejection = 'slot_full' | 'slot_unavailable';

const REFUSALS: Record<UnbookableReason, () => DomainError> = {
  slot_full: () => new ConflictError('slot_full', SLOT_FULL_MESSAGE),
  slot_unavailable: () => new ConflictError('slot_unavailable', SLOT_UNAVAILABLE_MESSAGE),
  already_booked: () => new ConflictError('already_booked', 'The member already holds a seat in this slot'),
  nonexistent_time: () =>
    new UnprocessableError('nonexistent_time', "That time does not exist on that date in the coach's time zone: the clocks skip it"),
  outside_availability: () => new UnprocessableError('outside_availability', "The requested time is not within the coach's availability"),
  too_soon: () => new UnprocessableError('booking_too_soon', 'This time is in the past or too close to book'),
  beyond_horizon: () => new UnprocessableError('booking_too_far_ahead', 'This time is too far ahead to book'),
};

export function unbookableError(reason: SlotRejection): ConflictError;
export function unbookableError(reason: UnbookableReason): DomainError;
export function unbookableError(reason: UnbookableReason): DomainError {
  return REFUSALS[reason]();
}

/** Refusals that are the slot's fault, not the request's: a booking records them as rejected. */
export function isSlotRejection(reason: UnbookableReason): reason is SlotRejection {
  return reason === 'slot_full' || reason === 'slot_unavailable';
}
