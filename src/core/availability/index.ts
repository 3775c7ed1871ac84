export { createAvailabilityService, type AvailabilityService, type AvailabilityWindowRecord } from './service.ts';
export * from './rules.ts';
export { calendarQuery, instantsAround, instantsAroundInstant, instantsAroundSlot, loadCoachCalendar, toCoachCalendar, type CalendarReader, type CalendarRow } from './calendar.ts';
export { createAvailabilityInput, localDate, slotDuration, updateAvailabilityInput, windowEnd, MAX_SEATS_PER_SLOT, MAX_BUFFER_MINUTES, MAX_SLOT_MINUTES, MIN_SLOT_MINUTES } from './inputs.ts';
export type { CreateAvailabilityInput, UpdateAvailabilityInput, SlotsInput, SlotCheckInput } from './inputs.ts';
export { ZoneClock, clockToMinutes, minutesToClock, dayNumber, dateOfDay, weekdayOfDay, formatOffset } from './time.ts';
export { unbookableError, isSlotRejection, SLOT_UNAVAILABLE_MESSAGE } from './refusals.ts';
export { futureScheduledSessions, localise, affected, refuseStranded, type BookedSession } from './booked.ts';
