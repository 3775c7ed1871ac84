import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { DB_TIMEOUT_DEFAULTS } from '../config.ts';
import { PrismaClient } from './generated/client.ts';

export { Prisma, PrismaClient } from './generated/client.ts';
export type * from './generated/models.ts';
export * from './generated/enums.ts';

export type Db = PrismaClient;
/** A client or an interactive transaction: what services write through. */
export type DbTx = Omit<PrismaClient, '$connect' | '$disconnect' | '$on' | '$transaction' | '$extends'>;
/** A raw connection borrowed from a client's pool, for the few hot paths that run their own transaction. */
export type PgConnection = pg.PoolClient;

export interface DbTimeouts {
  /** lock_timeout: the longest wait for a lock (a coach's calendar); 0 waits for ever. */
  lockTimeoutMs: number;
  /** statement_timeout; 0 for none. */
  statementTimeoutMs: number;
  /** idle_in_transaction_session_timeout: ends the session of a client that stopped mid-transaction, releasing its locks; 0 for none. */
  idleInTransactionTimeoutMs: number;
}

export interface DbOptions {
  /** Connections in this process's pool. */
  max?: number;
  /** Connections kept open while idle, so that a quiet spell does not make the next request connect. */
  min?: number;
  /** Session timeouts of every connection; DB_TIMEOUT_DEFAULTS unless given. */
  timeouts?: Partial<DbTimeouts>;
}

type PgAdapter = Awaited<ReturnType<PrismaPg['connect']>>;
type PgTransaction = Awaited<ReturnType<PgAdapter['startTransaction']>>;

/**
 * A transaction that sends its statements one at a time. Prisma reads a record's relations with one
 * statement each, all sent at once (a session with its member, coach and group conversation): on the
 * pool they run side by side, but inside a transaction they share its one connection, where pg 8
 * queues them with a deprecation warning and pg 9 refuses them. Here they wait for each other.
 */
function oneStatementAtATime(tx: PgTransaction): PgTransaction {
  let last: Promise<unknown> = Promise.resolve();
  const inTurn = <T>(statement: () => Promise<T>): Promise<T> => {
    const turn = last.then(statement, statement);
    last = turn.catch(() => undefined);
    return turn;
  };
  // Everything else (commit, rollback, savepoints, options) is the transaction's own.
  return Object.assign(Object.create(tx) as PgTransaction, {
    queryRaw: (query: Parameters<PgTransaction['queryRaw']>[0]) => inTurn(() => tx.queryRaw(query)),
    executeRaw: (query: Parameters<PgTransaction['executeRaw']>[0]) => inTurn(() => tx.executeRaw(query)),
  });
}

/** The pg driver adapter, its transactions sending one statement at a time. */
class SequentialTransactionsPg extends PrismaPg {
  override async connect(): Promise<PgAdapter> {
    const adapter = await super.connect();
    const start = adapter.startTransaction.bind(adapter);
    adapter.startTransaction = async (isolationLevel) => oneStatementAtATime(await start(isolationLevel));
    return adapter;
  }
}

// The pool under each client. Kept beside the client rather than on its type, so that `Db` stays
// PrismaClient for every caller; the booking transaction borrows raw connections from it (see pgPool).
const pools = new WeakMap<PrismaClient, pg.Pool>();

/** One client per composition root: there is no global client (docs/design.md §1). */
export function createDb(databaseUrl: string, options: DbOptions = {}): PrismaClient {
  const timeouts = { ...DB_TIMEOUT_DEFAULTS, ...options.timeouts };
  // A bounded wait for a connection: an exhausted pool answers an error instead of hanging a request.
  // The timeouts are session settings sent as each connection opens (0 sends nothing: no limit).
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    max: options.max ?? 10,
    min: options.min ?? 0,
    connectionTimeoutMillis: 10_000,
    lock_timeout: timeouts.lockTimeoutMs,
    statement_timeout: timeouts.statementTimeoutMs,
    idle_in_transaction_session_timeout: timeouts.idleInTransactionTimeoutMs,
  });
  // An idle connection the server closes (restart, dropped database) is an 'error' on the pool, which
  // pg-pool has already discarded; without a listener it would crash the process. The next query
  // connects afresh and reports any real failure. (The adapter listened the same way for its own pool.)
  pool.on('error', () => undefined);
  // A connection that dies while lent out (pool.connect(), our raw transactions and statements: a
  // reset, a failover) rejects the statement in flight and is discarded on release, as it is no longer
  // queryable; pg also emits the failure on the client, which nothing listens to while it is lent out
  // and which would otherwise end the process as an uncaught exception.
  pool.on('connect', (client) => client.on('error', () => undefined));
  // disposeExternalPool: $disconnect still ends the pool, as when the adapter owned it.
  const client = new PrismaClient({ adapter: new SequentialTransactionsPg(pool, { disposeExternalPool: true }) });
  pools.set(client, pool);
  return client;
}

/**
 * The pg pool a client made by createDb runs on. A raw transaction on it costs a fraction of the
 * JavaScript of an interactive `$transaction` per statement, which matters where a statement's
 * latency is time a lock is held; it shares the client's connection budget.
 */
export function pgPool(db: Db): pg.Pool {
  const pool = pools.get(db);
  if (!pool) throw new Error('This client was not made by createDb: it has no pg pool to share');
  return pool;
}

/**
 * Opens `connections` of the pool at once and loads Prisma's query compiler with one model read, so
 * that the first requests of a process neither connect nor compile. Fails as connecting fails.
 */
export async function warmUpDb(db: Db, connections: number): Promise<void> {
  const pool = pgPool(db);
  const opened = await Promise.allSettled(Array.from({ length: connections }, () => pool.connect()));
  for (const o of opened) if (o.status === 'fulfilled') o.value.release();
  const failed = opened.find((o) => o.status === 'rejected');
  if (failed) throw failed.reason;
  await db.user.findFirst({ select: { id: true } });
}

/**
 * Lends `fn` a connection of the client's pool for a transaction it opens and commits itself, so
 * that BEGIN and COMMIT can travel with its statements instead of costing round trips of their own.
 * When `fn` throws, whatever it left open is rolled back (a ROLLBACK outside a transaction is only
 * a warning); a connection whose rollback fails is discarded rather than returned to the pool.
 */
export async function withPgConnection<T>(db: Db, fn: (c: PgConnection) => Promise<T>): Promise<T> {
  const c = await pgPool(db).connect();
  let broken: Error | undefined;
  try {
    return await fn(c);
  } catch (error) {
    await c.query('ROLLBACK').catch((e: Error) => (broken = e));
    throw error;
  } finally {
    c.release(broken);
  }
}

/**
 * The SQLSTATE of a PostgreSQL failure, whether a raw connection reports it (pg's DatabaseError) or
 * Prisma does, wrapped by its driver adapter (P2010 with meta.driverAdapterError, or the adapter's
 * error itself).
 */
export function sqlState(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current !== null && typeof current === 'object'; depth++) {
    if (current instanceof pg.DatabaseError) return current.code;
    const e = current as { originalCode?: unknown; cause?: unknown; meta?: { driverAdapterError?: unknown } };
    if (typeof e.originalCode === 'string') return e.originalCode;
    current = e.meta?.driverAdapterError ?? e.cause;
  }
  return undefined;
}

/** PostgreSQL gave up waiting: lock_timeout (55P03) or statement_timeout (57014) ran out. */
export function isDatabaseTimeout(error: unknown): boolean {
  const state = sqlState(error);
  return state === '55P03' || state === '57014';
}

/** SQLSTATEs of a server that is going away or not taking connections: class 08 (connection exception), admin or crash shutdown, cannot connect now, too many connections. */
const UNAVAILABLE_STATE = /^(08|57P0[123]$|53300$)/;
/** Socket failures on the way to the server. */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
/** Prisma's codes for a server it cannot reach, that closed the connection, or a pool with no connection to give. */
const PRISMA_UNREACHABLE = new Set(['P1001', 'P1002', 'P1008', 'P1017', 'P2024']);
/** The driver adapter's kinds of the same. */
const ADAPTER_UNREACHABLE = new Set(['DatabaseNotReachable', 'ConnectionClosed', 'SocketTimeout', 'TooManyConnections']);
/** node-pg's messages for a connection that broke or could not be made (they carry no code). */
const PG_BROKEN = /^(Connection terminated|Client has encountered a connection error|timeout exceeded when trying to connect|Client was closed)/;

/**
 * The database cannot be reached right now (restarting, failing over, out of connections): the
 * request did nothing the caller can rely on and may be retried, which an idempotency key makes safe.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; depth < 6 && current !== null && typeof current === 'object'; depth++) {
    const e = current as { code?: unknown; originalCode?: unknown; kind?: unknown; message?: unknown; cause?: unknown; meta?: { driverAdapterError?: unknown }; errors?: unknown };
    const state = current instanceof pg.DatabaseError ? e.code : e.originalCode;
    if (typeof state === 'string' && UNAVAILABLE_STATE.test(state)) return true;
    if (typeof e.code === 'string' && (NETWORK_CODES.has(e.code) || PRISMA_UNREACHABLE.has(e.code))) return true;
    if (typeof e.kind === 'string' && ADAPTER_UNREACHABLE.has(e.kind)) return true;
    if (current instanceof Error && PG_BROKEN.test(current.message)) return true;
    if (current instanceof AggregateError) return current.errors.some(isDatabaseUnavailable);
    current = e.meta?.driverAdapterError ?? e.cause;
  }
  return false;
}

/** PostgreSQL's unique violation, as a raw connection reports it (Prisma reports P2002/P2010 instead). */
export function isPgUniqueViolation(error: unknown): boolean {
  return error instanceof pg.DatabaseError && error.code === '23505';
}

/**
 * A Prisma.Sql fragment's values as node-pg parameters. Dates go as UTC ISO strings: our columns
 * are `timestamp(3)` without zone holding UTC (Prisma's convention), and node-pg would otherwise
 * write them in the process's local zone.
 */
export function pgValues(values: readonly unknown[]): unknown[] {
  return values.map((v) => (v instanceof Date ? v.toISOString() : v));
}

/**
 * Runs a Prisma.Sql statement on a raw connection (or any of the pool's); json columns come back parsed, as from $queryRaw.
 * `name` makes it a prepared statement of each connection, for a hot statement whose text never
 * changes: PostgreSQL then skips parsing it and, after a few runs, planning it.
 */
export async function pgQuery<R>(c: PgConnection | pg.Pool, sql: { text: string; values: readonly unknown[] }, name?: string): Promise<R[]> {
  return (await c.query({ name, text: sql.text, values: pgValues(sql.values) })).rows as R[];
}

/**
 * A Prisma.Sql statement with its values written in as escaped literals, for a multi-statement
 * simple query (which takes no parameters). A quoted literal has no type of its own, so PostgreSQL
 * gives it the type it would have inferred for the parameter in its place.
 */
export function inlineSql(sql: { strings: readonly string[]; values: readonly unknown[] }): string {
  let text = sql.strings[0]!;
  for (let i = 0; i < sql.values.length; i++) text += literal(sql.values[i]) + sql.strings[i + 1]!;
  return text;
}

function literal(v: unknown): string {
  if (v === null || v === undefined) return 'NULL';
  if (v instanceof Date) return pg.escapeLiteral(v.toISOString());
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  if (typeof v === 'string') return pg.escapeLiteral(v);
  throw new Error(`No literal for a ${typeof v} value`);
}
