import { DateTime } from 'luxon';
import type { Core } from '../core/index.ts';
import type { Actor } from '../core/index.ts';

// The one place that turns a slot's start instant into what core's booking takes. Core books by
// the coach's local date and wall-clock time today; when it accepts `startsAt` itself, this file
// is the only edit (and the repeated hour of a fall-back night becomes bookable from chat).

/** Minutes of a session booked from chat. */
export const BOOKING_MINUTES = 60;

export interface SlotChoice {
  memberId: string;
  coachId: string;
  coachTimezone: string;
  startsAt: Date;
}

export function bookSlot(core: Core, actor: Actor, slot: SlotChoice, idempotencyKey: string) {
  const local = DateTime.fromJSDate(slot.startsAt, { zone: slot.coachTimezone });
  return core.bookings.create(
    actor,
    {
      memberId: slot.memberId,
      coachId: slot.coachId,
      requestedDate: local.toFormat('yyyy-MM-dd'),
      requestedTime: local.toFormat('HH:mm'),
      duration: BOOKING_MINUTES,
    },
    idempotencyKey,
  );
}
