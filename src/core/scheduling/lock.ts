import { createHash } from 'node:crypto';
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
  after: readonly (string | Prisma.Sql)[] = [],
): Promise<R[]> {
  const lock = Prisma.sql`SELECT pg_advisory_xact_lock(hashtextextended(${`coach:${coachUserId}`}, 0))`;
  // Named, the read runs as a prepared statement of the connection: inside a multi-statement query
  // each statement is planned only when its turn comes, so an unprepared read is planned while the
  // lock is held, and everyone else waits for the planner.
  const readText = readName ? await preparedCall(c, readName, read) : inlineSql(read);
  // The statements around it are prepared too, under a name their text gives: a booking's write
  // (six rows in one statement) is then planned once per connection, not at every booking, and
  // what follows the read (a credit's reservation) is not planned under the lock either.
  const statements: string[] = [];
  for (const s of [...before, lock]) statements.push(await textOf(c, s));
  const following: string[] = [];
  for (const s of after) following.push(await textOf(c, s));
  const results = (await c.query([...statements, readText, ...following].join(';\n'))) as unknown as { rows: R[] }[];
  return results[statements.length]!.rows;
}

/** A statement as text to send: a plain one as it is, one with values as a call of its prepared statement. */
async function textOf(c: PgConnection, s: string | Prisma.Sql): Promise<string> {
  if (typeof s === 'string') return s;
  if (!s.values.length) return s.text;
  return preparedCall(c, `q_${createHash('sha256').update(s.text).digest('hex').slice(0, 24)}`, s);
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
