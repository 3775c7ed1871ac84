import { Prisma, type Db } from '../../db/client.ts';

// Rows that only ever accumulate: each prunable table names the timestamp column after which a row
// is of no more use, and how long past it the row is kept. A new kind of spent row is one more entry.
// docs/operations.md ("Retention") gives the defaults and how big each table grows meanwhile.

export interface Prunable {
  /** The table, as PostgreSQL names it. */
  table: string;
  /** A timestamp column: the row is pruned once it lies further than `keepMs` in the past. */
  column: string;
  keepMs: number;
}

const DAY_MS = 86_400_000;

export interface RetentionDays {
  /** Redelivery claims of chat inputs (one per message, click, form): platforms redeliver for a day at most. */
  chatDeliveries: number;
  /** Conversation states (a form filled in step by step) past their expiry: nothing reads them any more. */
  chatStates: number;
}

/** The defaults of CHAT_DELIVERIES_RETENTION_DAYS and CHAT_STATES_RETENTION_DAYS. */
export const DEFAULT_RETENTION_DAYS: RetentionDays = { chatDeliveries: 7, chatStates: 1 };

export function prunableTables(days: RetentionDays = DEFAULT_RETENTION_DAYS): Prunable[] {
  return [
    { table: 'chat_deliveries', column: 'createdAt', keepMs: days.chatDeliveries * DAY_MS },
    { table: 'chat_states', column: 'expiresAt', keepMs: days.chatStates * DAY_MS },
    // A link code is spent once used or 15 minutes old; a day past its expiry it still answers
    // "used" or "expired" rather than "unknown", then it goes.
    { table: 'link_codes', column: 'expiresAt', keepMs: DAY_MS },
  ];
}

/** Rows deleted per statement: a year's backlog on a first run never holds locks or WAL for long. */
const BATCH = 5_000;

/** Deletes what each table keeps no longer at `now`; answers how many rows went, by table. */
export async function pruneTables(db: Db, tables: readonly Prunable[], now: Date): Promise<Record<string, number>> {
  const pruned: Record<string, number> = {};
  for (const { table, column, keepMs } of tables) {
    const before = new Date(now.getTime() - keepMs);
    const from = Prisma.raw(`"${table}"`);
    const at = Prisma.raw(`"${column}"`);
    let total = 0;
    for (;;) {
      const deleted = await db.$executeRaw`DELETE FROM ${from} WHERE ctid IN (SELECT ctid FROM ${from} WHERE ${at} < ${before} LIMIT ${BATCH})`;
      total += deleted;
      if (deleted < BATCH) break;
    }
    pruned[table] = total;
  }
  return pruned;
}
