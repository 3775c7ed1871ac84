import { afterAll } from 'vitest';
import { createDb, type Db, type DbTimeouts } from '../../src/db/client.ts';
import { createCore, DEFAULT_CORE_CONFIG, ManualClock, type Core, type CoreConfig, type CoreTelemetry } from '../../src/core/index.ts';
import { cloneTemplate, dropDatabase, withAdmin } from './postgres.ts';

export interface TestContext {
  db: Db;
  core: Core;
  clock: ManualClock;
  databaseUrl: string;
}

/** The test start instant: a fixed Monday, 2030-01-07 09:00 UTC, so calendars are reproducible. */
export const TEST_EPOCH = new Date('2030-01-07T09:00:00Z');

/**
 * No session timeouts in tests: a lock wait or a statement that runs long on a loaded machine is
 * slow, not wrong. A test of the timeouts themselves sets the ones it needs.
 */
const NO_DB_TIMEOUTS: DbTimeouts = { lockTimeoutMs: 0, statementTimeoutMs: 0, idleInTransactionTimeoutMs: 0 };

/**
 * A migrated database of this test file's own with core wired over it. Call once at module level
 * of a test file; the database is dropped after the file.
 */
export async function setupCore(config: Partial<CoreConfig> = {}, timeouts: Partial<DbTimeouts> = {}, telemetry?: CoreTelemetry): Promise<TestContext> {
  const { name, url } = await cloneTemplate();
  const db = createDb(url, { max: 8, timeouts: { ...NO_DB_TIMEOUTS, ...timeouts } });
  const clock = new ManualClock(TEST_EPOCH);
  const core = createCore({ db, clock, config: { ...DEFAULT_CORE_CONFIG, ...config }, ...(telemetry ? { telemetry } : {}) });
  afterAll(async () => {
    await db.$disconnect();
    await withAdmin((client) => dropDatabase(client, name));
  });
  return { db, core, clock, databaseUrl: url };
}
