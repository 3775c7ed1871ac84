import { migrate } from '../src/db/migrate.ts';
import { dropDatabase, databaseUrl, TEMPLATE_DB, TEST_DB_PREFIX, withAdmin } from './helpers/postgres.ts';

/** Builds the migrated template database every test file clones, and clears leftovers of old runs. */
export default async function setup(): Promise<() => Promise<void>> {
  await withAdmin(async (client) => {
    const { rows } = await client.query<{ datname: string }>(
      'SELECT datname FROM pg_database WHERE datname LIKE $1',
      [`${TEST_DB_PREFIX}%`],
    );
    for (const row of rows) await dropDatabase(client, row.datname);
    await dropDatabase(client, TEMPLATE_DB);
    await client.query(`CREATE DATABASE "${TEMPLATE_DB}"`);
  });
  await migrate(databaseUrl(TEMPLATE_DB));
  return async () => {
    await withAdmin((client) => dropDatabase(client, TEMPLATE_DB));
  };
}
