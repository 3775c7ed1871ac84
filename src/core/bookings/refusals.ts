import { isDomainError, type ErrorCode } from '../errors.ts';
import { asDomainError } from '../infrastructure.ts';

// Why a booking attempt was refused, as a closed set: the domain error codes a booking can answer,
// `busy` for a wait on the coach's lock that ran out (503), `unavailable` for a database that could
// not be reached (503), and `other` for anything else (a code
// added later and not listed here, an unexpected failure). Closed, so that counting refusals by
// reason stays a handful of series whatever a request sends.

export const BOOKING_REFUSALS = [
  // The slot, decided under the coach's lock (availability/refusals.ts).
  'slot_full',
  'slot_unavailable',
  'already_booked',
  'nonexistent_time',
  'outside_availability',
  'booking_too_soon',
  'booking_too_far_ahead',
  // The member's credits, decided under the same lock (docs/design.md §12).
  'no_credits',
  // Who books for whom, and whether they may.
  'missing_permission',
  'not_your_member',
  'not_your_booking',
  'not_your_coach',
  'member_inactive',
  'coach_inactive',
  'member_not_found',
  'coach_not_found',
  'booking_not_found',
  // The request itself.
  'validation_failed',
  'idempotency_key_reused',
  'busy',
  'unavailable',
  'other',
] as const satisfies readonly (ErrorCode | 'busy' | 'unavailable' | 'other')[];

export type BookingRefusal = (typeof BOOKING_REFUSALS)[number];

const LISTED = new Set<string>(BOOKING_REFUSALS);

/** The refusal reason of what a booking attempt threw. */
export function refusalOf(error: unknown): BookingRefusal {
  const domain = asDomainError(error);
  if (!isDomainError(domain)) return 'other';
  if (domain.kind === 'unavailable') return domain.code === 'database_unavailable' ? 'unavailable' : 'busy';
  return LISTED.has(domain.code) ? (domain.code as BookingRefusal) : 'other';
}
