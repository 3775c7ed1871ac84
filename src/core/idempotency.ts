import { createHash } from 'node:crypto';
import { z } from 'zod';
import { Prisma, type DbTx } from '../db/client.ts';
import { UnprocessableError } from './errors.ts';
import { parseInput, storableText } from './validation.ts';

// Idempotency keys (docs/design.md §3): a retried request returns the first result instead of acting
// twice. The key row is written in the same transaction as the result it points at, so it exists
// exactly when that result does; a concurrent twin hits the primary key (userId, key) and re-reads.

export const idempotencyKeySchema = storableText.min(1, { message: 'must not be empty' }).max(200, { message: 'must be at most 200 characters' });

export interface IdempotencyRecord {
  userId: string;
  key: string;
  operation: string;
  requestHash: string;
  resourceId: string;
}

/** Validates a key; a bad one is a ValidationError on the field `idempotencyKey`. */
export function parseIdempotencyKey(key: unknown): string {
  return parseInput(z.object({ idempotencyKey: idempotencyKeySchema }), { idempotencyKey: key }).idempotencyKey;
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
  return db.idempotencyKey.findUnique({
    where: { userId_key: { userId, key } },
    select: { userId: true, key: true, operation: true, requestHash: true, resourceId: true },
  });
}

/**
 * The resource a replayed key points at. A key already used for another operation or another
 * request is refused rather than silently answering something the caller did not ask.
 */
export function replayedResource(record: Pick<IdempotencyRecord, 'operation' | 'requestHash' | 'resourceId'>, operation: string, hash: string): string {
  if (record.operation !== operation || record.requestHash !== hash) {
    throw new UnprocessableError(
      'idempotency_key_reused',
      'This idempotency key was already used for a different request',
      { operation: record.operation },
    );
  }
  return record.resourceId;
}

/** The key row as a CTE, to be written in the same statement as the result it records. */
export function idempotencyCte(name: string, record: IdempotencyRecord, at: Date): Prisma.Sql {
  return Prisma.sql`${Prisma.raw(name)} AS (
    INSERT INTO "idempotency_keys" ("userId", "key", "operation", "requestHash", "resourceId", "createdAt")
    VALUES (${record.userId}, ${record.key}, ${record.operation}, ${record.requestHash}, ${record.resourceId}, ${at}))`;
}

/** Writes the key row in the caller's transaction (for callers that do not batch statements). */
export async function recordIdempotency(tx: DbTx, record: IdempotencyRecord): Promise<void> {
  await tx.idempotencyKey.create({ data: record });
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
