import { Redis } from 'ioredis';
import type { TestProject } from 'vitest/node';
import { migrate } from '../src/db/migrate.ts';
import { databaseUrl, dropDatabase, templateName, TEST_DB_PREFIX, withAdmin } from './helpers/postgres.ts';
import { REDIS_URL } from './jobs/doubles.ts';

/**
 * Removes the shared Redis's keys of this run's processes: a process keeps them under its
 * database's default REDIS_PREFIX, `coachbot:<database name>:` (src/config.ts), which dies with it.
 */
async function dropRedisKeysOf(runId: string): Promise<void> {
  const redis = new Redis(REDIS_URL);
  try {
    for await (const keys of redis.scanStream({ match: `coachbot:${TEST_DB_PREFIX}${runId}_*`, count: 1000 })) {
      if ((keys as string[]).length) await redis.unlink(...(keys as string[]));
    }
  } finally {
    await redis.quit();
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Builds the migrated template every test file clones, and drops databases left by test runs
 * that are no longer running (a crashed run never cleaned up).
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const runId = String(process.pid);
  const template = templateName(runId);
  await withAdmin(async (client) => {
    const { rows } = await client.query<{ datname: string }>('SELECT datname FROM pg_database WHERE datname LIKE $1', [
      `${TEST_DB_PREFIX}%`,
    ]);
    for (const { datname } of rows) {
      const pid = Number(datname.slice(TEST_DB_PREFIX.length).split('_')[0]);
      if (!Number.isInteger(pid) || !isRunning(pid)) await dropDatabase(client, datname);
    }
    await dropDatabase(client, template);
    await client.query(`CREATE DATABASE "${template}"`);
  });
  await migrate(databaseUrl(template));
  project.provide('testRunId', runId);
  return async () => {
    await withAdmin(async (client) => {
      const { rows } = await client.query<{ datname: string }>('SELECT datname FROM pg_database WHERE datname LIKE $1', [
        `${TEST_DB_PREFIX}${runId}\\_%`,
      ]);
      for (const { datname } of rows) await dropDatabase(client, datname);
    });
    await dropRedisKeysOf(runId);
  };
}
