import { createHash } from 'node:crypto';
import { z } from 'zod';
import { isPgUniqueViolation, Prisma, type DbTx } from '../db/client.ts';
import { isDomainError, replayedRefusal, UnprocessableError, type DomainError, type ErrorCode, type ErrorKind } from './errors.ts';
import { parseInput, storableText } from './validation.ts';

// Idempotency keys (docs/design.md §3): a retried request returns the first result instead of acting
// twice. The key row is written in the same transaction as the result it points at, so it exists
// exactly when that result does; a concurrent twin hits the primary key (userId, key) and re-reads.
//
// Every answer given under a key is final, refusals included: a refusal of the parsed request (403,
// 404, 409, 422) is recorded with the key once its transaction has rolled back, so nothing else of
// it is written. A retry answers the same refusal even when the situation has changed since (a seat
// freed): the caller asks again with a new key. Not recorded: a request not understood (400) or not
// permitted at all, refused before its key is read, and a 503, which says "try again", not "no".

export const idempotencyKeySchema = storableText.min(1, { message: 'must not be empty' }).max(200, { message: 'must be at most 200 characters' });

export interface IdempotencyRecord {
  userId: string;
  key: string;
  operation: string;
  requestHash: string;
  /** What the first answer made; null when it was a refusal. */
  resourceId: string | null;
  /** The first answer when it was a refusal. */
  refusal: RecordedRefusal | null;
}

/** Who asked what under which key: a key row before its answer. */
export type KeyedRequest = Omit<IdempotencyRecord, 'resourceId' | 'refusal'>;

/** A refusal as recorded under a key, enough to give it again as it was given. */
export interface RecordedRefusal {
  kind: ErrorKind;
  code: ErrorCode;
  message: string;
  details?: unknown;
}

/** What a key answers for the request it recorded: the resource it made, or its refusal. */
export type RecordedAnswer = { resourceId: string } | { refusal: DomainError };

// Built once: zod compiles an object schema at its first parse, so a schema made per call is compiled per call.
const idempotencyKeyInput = z.object({ idempotencyKey: idempotencyKeySchema });

/** Validates a key; a bad one is a ValidationError on the field `idempotencyKey`. */
export function parseIdempotencyKey(key: unknown): string {
  return parseInput(idempotencyKeyInput, { idempotencyKey: key }).idempotencyKey;
}

/** sha256 of the request in a canonical form (keys sorted, undefined dropped), so field order never matters. */
export function requestHash(input: unknown): string {
  return createHash('sha256').update(canonicalJson(input)).digest('hex');
}

function canonicalJson(value: unknown): string {
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

export async function findIdempotencyRecord(db: DbTx, userId: string, key: string): Promise<IdempotencyRecord | null> {
  const row = await db.idempotencyKey.findUnique({
    where: { userId_key: { userId, key } },
    select: { userId: true, key: true, operation: true, requestHash: true, resourceId: true, refusal: true },
  });
  return row && { ...row, refusal: row.refusal as RecordedRefusal | null };
}

/**
 * The first answer of a replayed key. A key already used for another operation or another request
 * is refused rather than silently answering something the caller did not ask.
 */
export function replayedAnswer(record: Pick<IdempotencyRecord, 'operation' | 'requestHash' | 'resourceId' | 'refusal'>, operation: string, hash: string): RecordedAnswer {
  if (record.operation !== operation || record.requestHash !== hash) {
    throw new UnprocessableError(
      'idempotency_key_reused',
      'This idempotency key was already used for a different request',
      { operation: record.operation },
    );
  }
  if (record.refusal) return { refusal: replayedRefusal(record.refusal) };
  return { resourceId: record.resourceId! };
}

/** Whether a refusal answers the parsed request itself, so that its key must give it again. */
export function isRecordableRefusal(error: unknown): error is DomainError {
  const notAnAnswer = ['validation', 'unauthorized', 'unavailable'];
  return isDomainError(error) && !notAnAnswer.includes(error.kind) && error.code !== 'idempotency_key_reused';
}

/**
 * Records a refusal as the key's answer, unless the key already has one (a concurrent twin's).
 * Returns the key's answer and whether it is this refusal. Call it after the refused transaction
 * rolled back: the key row is then the refusal's only write.
 */
export async function recordRefusal(
  db: DbTx,
  record: KeyedRequest,
  refusal: DomainError,
): Promise<{ record: IdempotencyRecord; ours: boolean }> {
  const recorded: RecordedRefusal = { kind: refusal.kind, code: refusal.code, message: refusal.message, details: refusal.details };
  const { count } = await db.idempotencyKey.createMany({
    data: [{ ...record, resourceId: null, refusal: JSON.parse(JSON.stringify(recorded)) as Prisma.InputJsonObject }],
    skipDuplicates: true,
  });
  const stored = await findIdempotencyRecord(db, record.userId, record.key);
  return { record: stored!, ours: count === 1 };
}

/** The key row as a CTE, to be written in the same statement as the result it records. */
export function idempotencyCte(name: string, record: KeyedRequest & { resourceId: string }, at: Date): Prisma.Sql {
  return Prisma.sql`${Prisma.raw(name)} AS (
    INSERT INTO "idempotency_keys" ("userId", "key", "operation", "requestHash", "resourceId", "createdAt")
    VALUES (${record.userId}, ${record.key}, ${record.operation}, ${record.requestHash}, ${record.resourceId}, ${at}))`;
}

/**
 * Whether an error is a unique violation, from a model call (P2002) or a raw statement (P2010
 * carrying PostgreSQL's 23505): how a concurrent request with the same key shows up.
 */
export function isUniqueViolation(error: unknown): boolean {
  if (!(error instanceof Prisma.PrismaClientKnownRequestError)) return false;
  if (error.code === 'P2002') return true;
  const meta = error.meta as { code?: string; driverAdapterError?: { cause?: { originalCode?: string; code?: string } } } | undefined;
  const cause = meta?.driverAdapterError?.cause;
  return meta?.code === '23505' || cause?.originalCode === '23505' || cause?.code === '23505';
}

/**
 * The key's answer after an attempt under it failed and wrote nothing: the attempt's refusal, now
 * recorded, or the answer of a concurrent request with the same key that committed first (its
 * unique key row, or its seat, is what failed this one). `ours` says which. Throws anything else.
 */
export async function answerAfterFailure(
  db: DbTx,
  record: KeyedRequest,
  error: unknown,
): Promise<{ record: IdempotencyRecord; ours: boolean }> {
  if (isRecordableRefusal(error)) return recordRefusal(db, record, error);
  const twin = isUniqueViolation(error) || isPgUniqueViolation(error) ? await findIdempotencyRecord(db, record.userId, record.key) : null;
  if (!twin) throw error;
  return { record: twin, ours: false };
}
