import { inlineSql, Prisma, type DbTx, type PgConnection } from '../../db/client.ts';

/** Transaction limits for work under a coach lock: large enough for a queue of changes waiting on one coach under load. */
export const COACH_LOCK_TX_OPTIONS = { maxWait: 10_000, timeout: 30_000 };

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
 * wait. `after` (e.g. COMMIT) follows the read in the same query. Returns the rows of `read`.
 */
export async function lockCoachCalendarAndRead<R>(
  c: PgConnection,
  coachUserId: string,
  read: Prisma.Sql,
  before: readonly (string | Prisma.Sql)[] = [],
  readName?: string,
  after: readonly string[] = [],
): Promise<R[]> {
  const lock = Prisma.sql`SELECT pg_advisory_xact_lock(hashtextextended(${`coach:${coachUserId}`}, 0))`;
  // Named, the read runs as a prepared statement of the connection: inside a multi-statement query
  // each statement is planned only when its turn comes, so an unprepared read is planned while the
  // lock is held, and everyone else waits for the planner.
  const readText = readName ? await preparedCall(c, readName, read) : inlineSql(read);
  const statements = [...before, lock].map((s) => (typeof s === 'string' ? s : inlineSql(s)));
  const results = (await c.query([...statements, readText, ...after].join(';\n'))) as unknown as { rows: R[] }[];
  return results[statements.length]!.rows;
}

const preparedOn = new WeakMap<PgConnection, Set<string>>();

/** `EXECUTE name(values)` of `sql`, prepared on this connection the first time (outside any transaction). */
async function preparedCall(c: PgConnection, name: string, sql: Prisma.Sql): Promise<string> {
  let names = preparedOn.get(c);
  if (!names) preparedOn.set(c, (names = new Set()));
  if (!names.has(name)) {
    await c.query(`PREPARE ${name} AS ${sql.text}`);
    names.add(name);
  }
  const values = sql.values;
  if (values.length === 0) return `EXECUTE ${name}`;
  const strings = [`EXECUTE ${name}(`, ...values.slice(1).map(() => ', '), ')'];
  return inlineSql({ strings, values });
}
