import { z } from 'zod';
import { localDate, slotDuration } from '../availability/index.ts';
import { pageInput } from '../pagination.ts';
import { clockTime, id, text } from '../validation.ts';

export const BOOKING_STATUSES = ['pending', 'confirmed', 'rejected', 'cancelled'] as const;
export const SESSION_TYPES = ['initial', 'regular', 'followup'] as const;

export const createBookingInput = z.object({
  memberId: id,
  coachId: id,
  /** The coach's local date. */
  requestedDate: localDate,
  /** The coach's wall clock. */
  requestedTime: clockTime,
  duration: slotDuration.default(60),
  memberNotes: text(2000).optional(),
  type: z.enum(SESSION_TYPES).default('regular'),
});

export const cancelBookingInput = z.object({
  reason: text(500).optional(),
});

export const listBookingsInput = pageInput.extend({
  status: z.enum(BOOKING_STATUSES).optional(),
  coachId: id.optional(),
  memberId: id.optional(),
  /** Coach-local dates, inclusive. */
  from: localDate.optional(),
  to: localDate.optional(),
});

export type CreateBookingInput = z.input<typeof createBookingInput>;
export type ParsedBookingInput = z.output<typeof createBookingInput>;
export type CancelBookingInput = z.input<typeof cancelBookingInput>;
export type ListBookingsInput = z.input<typeof listBookingsInput>;
