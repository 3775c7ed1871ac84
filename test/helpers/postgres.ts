import { inject } from 'vitest';
import pg from 'pg';
import { quoteIdent } from '../../src/db/database.ts';

// Every test file gets its own database cloned from a migrated template (made once per run in
// global-setup.ts), so files run in parallel without seeing each other's rows. Names carry the
// test run's process id, so concurrent runs on one server never drop each other's databases.

export const SERVER_URL = process.env.TEST_POSTGRES_URL ?? 'postgresql://postgres@127.0.0.1:5432';
export const TEST_DB_PREFIX = 'coachbot_t_';

declare module 'vitest' {
  export interface ProvidedContext {
    testRunId: string;
  }
}

export function templateName(runId: string): string {
  return `${TEST_DB_PREFIX}${runId}_template`;
}

/** A database name unique to this test run, marked so global setup can clear it later. */
export function testDatabaseName(label = Math.random().toString(36).slice(2, 10)): string {
  return `${TEST_DB_PREFIX}${inject('testRunId')}_${label}`;
}

export function databaseUrl(name: string): string {
  return `${SERVER_URL}/${name}`;
}

export async function withAdmin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: databaseUrl('postgres') });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export async function dropDatabase(client: pg.Client, name: string): Promise<void> {
  await client.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
}

/** A fresh, migrated database of its own; returns its URL. */
export async function cloneTemplate(): Promise<{ name: string; url: string }> {
  const name = testDatabaseName();
  const template = templateName(inject('testRunId'));
  await withAdmin(async (client) => {
    // PostgreSQL refuses to copy a template another CREATE DATABASE is copying at the same moment
    // (55006), so this run's clones take turns: a lock wait rather than retries paced by the clock.
    await client.query('SELECT pg_advisory_lock(hashtextextended($1, 0))', [template]);
    try {
      await client.query(`CREATE DATABASE ${quoteIdent(name)} TEMPLATE ${quoteIdent(template)}`);
    } finally {
      await client.query('SELECT pg_advisory_unlock(hashtextextended($1, 0))', [template]);
    }
  });
  return { name, url: databaseUrl(name) };
}
