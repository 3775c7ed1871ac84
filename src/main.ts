import { loadConfig } from './config.ts';
import { ensureDatabase } from './db/database.ts';
import { migrate } from './db/migrate.ts';

// Process entry point: prepares the database, then starts the service.
const config = loadConfig();
if (config.MIGRATE_ON_START) {
  await ensureDatabase(config.DATABASE_URL);
  await migrate(config.DATABASE_URL);
}
console.warn('Database ready. The admin API is not wired yet.');
