import type { BookingRefusal } from './bookings/refusals.ts';

// What core reports about what it has done, for whoever counts it (the process's metrics, built in
// src/runtime). Core defines the port and knows nothing of how it is counted; by default nothing is.

/** Where a booking request came from: the admin API (and tools that act like it), or chat through the bot. */
export type BookingSource = 'api' | 'bot';

export interface CoreTelemetry {
  /** A booking newly confirmed; answering a retried request again (same idempotency key) is not a new one. */
  bookingConfirmed(source: BookingSource): void;
  /** A booking attempt refused, and why; a retried request answered with its first refusal is not reported again. */
  bookingRefused(source: BookingSource, reason: BookingRefusal): void;
}

export const NO_TELEMETRY: CoreTelemetry = {
  bookingConfirmed() {},
  bookingRefused() {},
};
