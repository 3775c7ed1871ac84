import { z } from 'zod';
import { calendarDate, clockTime, id } from '../validation.ts';
import { clockToMinutes, dayNumber } from './time.ts';

/** HH:mm, or 24:00 for a window that runs to the end of the day. */
export const windowEnd = z
  .string()
  .regex(/^(([01]\d|2[0-3]):[0-5]\d|24:00)$/, { message: 'must be a time as HH:mm (00:01-24:00)' });

/** A local date in the coach's calendar: core's one bounded date type. */
export const localDate = calendarDate;

export const MAX_SEATS_PER_SLOT = 100;
export const MAX_BUFFER_MINUTES = 240;
export const MIN_SLOT_MINUTES = 5;
export const MAX_SLOT_MINUTES = 480;
/** Longest range one slot listing may cover, in days. */
export const MAX_LISTING_DAYS = 366;

const dayOfWeek = z.number({ message: 'must be an integer 0-6 (Sunday-Saturday)' }).int({ message: 'must be an integer 0-6 (Sunday-Saturday)' }).min(0).max(6);
const seats = z.number().int().min(1, { message: 'must be at least 1' }).max(MAX_SEATS_PER_SLOT);
const buffer = z.number().int().min(0).max(MAX_BUFFER_MINUTES);
export const slotDuration = z.coerce.number().int().min(MIN_SLOT_MINUTES).max(MAX_SLOT_MINUTES);

const startBeforeEnd = (w: { startTime?: string; endTime?: string }) =>
  w.startTime === undefined || w.endTime === undefined || clockToMinutes(w.startTime) < clockToMinutes(w.endTime);
const endAfterStart = { message: 'must be after startTime', path: ['endTime'] };

export const createAvailabilityInput = z
  .object({
    coachId: id.optional().describe('Defaults to you'),
    dayOfWeek,
    startTime: clockTime,
    endTime: windowEnd,
    maxSessionsPerSlot: seats.default(1),
    bufferMinutes: buffer.default(15),
  })
  .refine(startBeforeEnd, endAfterStart);

export const updateAvailabilityInput = z
  .object({
    dayOfWeek: dayOfWeek.optional(),
    startTime: clockTime.optional(),
    endTime: windowEnd.optional(),
    maxSessionsPerSlot: seats.optional(),
    bufferMinutes: buffer.optional(),
    isActive: z.boolean().optional(),
  })
  .refine(startBeforeEnd, endAfterStart);

export const slotsInput = z
  .object({
    coachId: id,
    startDate: localDate,
    endDate: localDate,
    duration: slotDuration.default(60),
  })
  .refine((r) => dayNumber(r.endDate) >= dayNumber(r.startDate), { message: 'must not be before startDate', path: ['endDate'] })
  .refine((r) => dayNumber(r.endDate) - dayNumber(r.startDate) < MAX_LISTING_DAYS, {
    message: `must be less than ${MAX_LISTING_DAYS} days after startDate`,
    path: ['endDate'],
  });

export const slotCheckInput = z.object({
  coachId: id,
  date: localDate,
  time: clockTime,
  duration: slotDuration.default(60),
});

export type CreateAvailabilityInput = z.input<typeof createAvailabilityInput>;
export type UpdateAvailabilityInput = z.input<typeof updateAvailabilityInput>;
export type SlotsInput = z.input<typeof slotsInput>;
export type SlotCheckInput = z.input<typeof slotCheckInput>;
