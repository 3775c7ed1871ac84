import { inlineSql, Prisma, type DbTx, type PgConnection } from '../../db/client.ts';

/**
 * Serialises every change to one coach's calendar (bookings, reschedules, availability edits) in
 * PostgreSQL, so capacity and overlap checks hold across any number of processes. Held until the
 * surrounding transaction ends; the transaction must be short and make no network call.
 */
export async function lockCoachCalendar(tx: DbTx, coachUserId: string): Promise<void> {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${`coach:${coachUserId}`}, 0))`;
}

/**
 * Takes the coach lock and runs `read` under it in ONE round trip on a raw connection: the same lock
 * as lockCoachCalendar, sent with the read as one multi-statement simple query, after `before`
 * (e.g. BEGIN and the caller's write). Under READ COMMITTED each statement of such a query takes its
 * own snapshot when the one before it has finished, so the read sees everything the previous holder
 * of the lock committed (one statement taking the lock and reading would not: its snapshot predates
 * the wait). Saves the holder a round trip through the event loop while the coach's other bookings
 * wait. Returns the rows of `read`.
 */
export async function lockCoachCalendarAndRead<R>(c: PgConnection, coachUserId: string, read: Prisma.Sql, before: readonly (string | Prisma.Sql)[] = []): Promise<R[]> {
  const lock = Prisma.sql`SELECT pg_advisory_xact_lock(hashtextextended(${`coach:${coachUserId}`}, 0))`;
  const statements = [...before, lock, read].map((s) => (typeof s === 'string' ? s : inlineSql(s)));
  const results = (await c.query(statements.join(';\n'))) as unknown as { rows: R[] }[];
  return results.at(-1)!.rows;
}
