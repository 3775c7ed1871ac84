import type { DbTx } from '../../db/client.ts';

/**
 * Serialises every change to one coach's calendar (bookings, reschedules, availability edits) in
 * PostgreSQL, so capacity and overlap checks hold across any number of processes. Held until the
 * surrounding transaction ends; the transaction must be short and make no network call.
 */
export async function lockCoachCalendar(tx: DbTx, coachUserId: string): Promise<void> {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${`coach:${coachUserId}`}, 0))`;
}
