import { Prisma, type DbTx } from '../../db/client.ts';

/**
 * Serialises every change to one coach's calendar (bookings, reschedules, availability edits) in
 * PostgreSQL, so capacity and overlap checks hold across any number of processes. Held until the
 * surrounding transaction ends; the transaction must be short and make no network call.
 */
export async function lockCoachCalendar(tx: DbTx, coachUserId: string): Promise<void> {
  await tx.$executeRaw`SELECT ${coachLockCall(coachUserId)}`;
}

/**
 * The lock as an expression, for a statement that takes it and reads in one round trip. What that
 * statement reads comes from its snapshot, taken BEFORE the lock was granted: treat it as unlocked.
 */
export function coachLockCall(coachUserId: string): Prisma.Sql {
  return Prisma.sql`pg_advisory_xact_lock(hashtextextended(${`coach:${coachUserId}`}, 0))`;
}
