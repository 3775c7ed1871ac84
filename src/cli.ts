import { loadConfig } from './config.ts';
import { ensureDatabase } from './db/database.ts';
import { migrate } from './db/migrate.ts';

// Operator commands. `migrate` applies pending migrations; more commands join as modules land.
async function main(argv: string[]): Promise<number> {
  const [command] = argv;
  const config = loadConfig();
  switch (command) {
    case 'migrate': {
      await ensureDatabase(config.DATABASE_URL);
      const { applied } = await migrate(config.DATABASE_URL);
      console.warn(applied.length ? `Applied ${applied.length} migration(s): ${applied.join(', ')}` : 'No pending migrations.');
      return 0;
    }
    default:
      console.error('Usage: npm run cli -- <migrate>');
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
