import pg from 'pg';
import { quoteIdent } from '../../src/db/database.ts';

// Every test file gets its own database cloned from a migrated template (made once per run in
// global-setup.ts), so files run in parallel without seeing each other's rows.

export const SERVER_URL = process.env.TEST_POSTGRES_URL ?? 'postgresql://postgres@127.0.0.1:5432';
export const TEMPLATE_DB = 'coachbot_test_template';
export const TEST_DB_PREFIX = 'coachbot_t_';

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
  const name = `${TEST_DB_PREFIX}${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
  await withAdmin(async (client) => {
    for (let attempt = 0; ; attempt++) {
      try {
        await client.query(`CREATE DATABASE ${quoteIdent(name)} TEMPLATE ${quoteIdent(TEMPLATE_DB)}`);
        return;
      } catch (error) {
        // Two clones starting at the same instant briefly see each other on the template.
        if ((error as { code?: string }).code !== '55006' || attempt > 50) throw error;
        await new Promise((r) => setTimeout(r, 50 + Math.random() * 100));
      }
    }
  });
  return { name, url: databaseUrl(name) };
}
