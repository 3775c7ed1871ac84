import type { Core } from '../core/index.ts';
import type { Actor } from '../core/index.ts';

// The one place that turns a chosen slot into what core's booking takes: its start instant, the
// slot's identity, so the repeated hour of a fall-back night is bookable from chat too.

/** Minutes of a session booked from chat. */
export const BOOKING_MINUTES = 60;

export interface SlotChoice {
  memberId: string;
  coachId: string;
  coachTimezone: string;
  startsAt: Date;
}

export function bookSlot(core: Core, actor: Actor, slot: SlotChoice, idempotencyKey: string) {
  return core.bookings.create(
    actor,
    { memberId: slot.memberId, coachId: slot.coachId, startsAt: slot.startsAt, duration: BOOKING_MINUTES },
    idempotencyKey,
    'bot',
  );
}
