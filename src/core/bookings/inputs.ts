import { z } from 'zod';
import { localDate, slotDuration } from '../availability/index.ts';
import { pageInput } from '../pagination.ts';
import { clockTime, id, instant, text } from '../validation.ts';

export const BOOKING_STATUSES = ['pending', 'confirmed', 'rejected', 'cancelled'] as const;
export const SESSION_TYPES = ['initial', 'regular', 'followup'] as const;

export const createBookingInput = z
  .object({
    memberId: id.describe('Member profile id'),
    coachId: id.describe("The coach's user id"),
    /** The slot's identity: its UTC start instant (the only way to name the second pass of a repeated hour). */
    startsAt: instant.optional(),
    requestedDate: localDate.optional().describe("The coach's local date; with requestedTime, instead of startsAt"),
    requestedTime: clockTime
      .optional()
      .describe("The coach's wall clock; a time shown twice that day means its first occurrence, one the clocks skip is refused (422)"),
    duration: slotDuration.default(60),
    memberNotes: text(2000).optional(),
    type: z.enum(SESSION_TYPES).default('regular'),
  })
  .superRefine((b, ctx) => {
    // Exactly one way of naming the slot; the issue names the field that is wrong.
    const issue = (field: string, message: string) => ctx.addIssue({ code: 'custom', path: [field], message });
    if (b.startsAt !== undefined) {
      if (b.requestedDate !== undefined) issue('requestedDate', 'must not be given with startsAt: name the slot one way');
      if (b.requestedTime !== undefined) issue('requestedTime', 'must not be given with startsAt: name the slot one way');
      return;
    }
    if (b.requestedDate === undefined) issue('requestedDate', 'is required (or give startsAt instead)');
    if (b.requestedTime === undefined) issue('requestedTime', 'is required (or give startsAt instead)');
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

/** A recurring series (docs/design.md §9): the first occurrence by its instant, then every `interval` weeks at the same wall time. */
export const createBookingSeriesInput = z.object({
  /** The member booked for; a member books for themselves and may leave it out. */
  memberId: id.optional().describe('Member profile id: required for an admin or a coach, a member books for themselves'),
  coachId: id.describe("The coach's user id"),
  startsAt: instant.describe("The first occurrence's slot: its UTC start instant"),
  count: z.number().int().min(2).max(26).describe('How many occurrences, 2 to 26'),
  interval: z.union([z.literal(1), z.literal(2)]).default(1).describe('Weeks between occurrences: 1 or 2'),
  allOrNothing: z.boolean().default(false).describe('Book nothing when any occurrence is unavailable'),
  /** A session the member already holds at startsAt (just booked from chat), made the first occurrence instead of booking it again. */
  firstSessionId: id.optional().describe("The member's scheduled session at startsAt, in no series yet, to make the first occurrence"),
  duration: slotDuration.default(60),
  memberNotes: text(2000).optional(),
  type: z.enum(SESSION_TYPES).default('regular'),
});

/** Cancels one occurrence of a series, or it and every later one. */
export const cancelBookingSeriesInput = z.object({
  position: z.number().int().min(1).max(26).default(1).describe('The occurrence (1-based) to cancel from'),
  scope: z.enum(['this', 'thisAndLater']).default('thisAndLater').describe('Only that occurrence, or it and every later one'),
  reason: text(500).optional(),
});

export type CreateBookingSeriesInput = z.input<typeof createBookingSeriesInput>;
export type ParsedBookingSeriesInput = z.output<typeof createBookingSeriesInput>;
export type CancelBookingSeriesInput = z.input<typeof cancelBookingSeriesInput>;
