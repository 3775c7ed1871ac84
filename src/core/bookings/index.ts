export { createBookingsService, toBookingView, type BookingsService, type BookingView } from './service.ts';
export { BOOKING_OPERATION } from './writes.ts';
export { BOOKING_STATUSES, cancelBookingInput, createBookingInput, type CreateBookingInput, type CancelBookingInput, type ListBookingsInput } from './inputs.ts';
export { createBookingSeriesService, SERIES_OPERATION, type BookingSeriesService, type BookingSeriesView, type OccurrenceView, type RecordedOccurrence } from './series.ts';
export { createBookingSeriesInput, cancelBookingSeriesInput, type CreateBookingSeriesInput, type CancelBookingSeriesInput } from './inputs.ts';
export { decideSeries, planSeries, MAX_SERIES_COUNT, type OccurrenceCheck, type OccurrenceDecision, type SeriesRequest } from './series-rules.ts';
