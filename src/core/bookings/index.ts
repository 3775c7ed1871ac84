export { createBookingsService, toBookingView, type BookingsService, type BookingView } from './service.ts';
export { BOOKING_OPERATION } from './writes.ts';
export { BOOKING_STATUSES, cancelBookingInput, createBookingInput, type CreateBookingInput, type CancelBookingInput, type ListBookingsInput } from './inputs.ts';
