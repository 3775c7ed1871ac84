import { describe, expect, it, afterAll } from 'vitest';
import pg from 'pg';
import { migrate, readMigrations } from '../../src/db/migrate.ts';
import { ensureDatabase } from '../../src/db/database.ts';
import { databaseUrl, dropDatabase, testDatabaseName, withAdmin } from '../helpers/postgres.ts';

const name = testDatabaseName('migrate');
const url = databaseUrl(name);

afterAll(() => withAdmin((client) => dropDatabase(client, name)));

describe('migration runner', () => {
  it('creates the database, applies every migration once, and is a no-op the second time', async () => {
    await withAdmin((client) => dropDatabase(client, name));
    await ensureDatabase(url);
    const first = await migrate(url);
    const all = (await readMigrations()).map((m) => m.name);
    expect(first.applied).toEqual(all);
    const second = await migrate(url);
    expect(second.applied).toEqual([]);
  });

  it('records migrations as Prisma does: sha256 checksum of migration.sql, finished', async () => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    const { rows } = await client.query('SELECT migration_name, checksum, finished_at FROM "_prisma_migrations" ORDER BY migration_name');
    await client.end();
    const expected = await readMigrations();
    expect(rows.map((r) => [r.migration_name, r.checksum])).toEqual(expected.map((m) => [m.name, m.checksum]));
    expect(rows.every((r) => r.finished_at instanceof Date)).toBe(true);
  });

  it('lets concurrent runners on a fresh database both succeed, applying each migration once', async () => {
    await withAdmin((client) => dropDatabase(client, name));
    await Promise.all([ensureDatabase(url), ensureDatabase(url)]);
    const results = await Promise.all([migrate(url), migrate(url), migrate(url)]);
    const applied = results.flatMap((r) => r.applied);
    expect(applied.sort()).toEqual((await readMigrations()).map((m) => m.name).sort());
  });
});
