import { openInfrastructure } from './runtime/infrastructure.ts';
import { startApi } from './runtime/api.ts';
import { runProcess } from './runtime/process.ts';

// Process entry point: opens what the roles share, starts each role, and stops them on SIGTERM/SIGINT.
// A role is one composition root in src/runtime/ (today only the admin API).

await runProcess(async (config, logger) => {
  const infra = await openInfrastructure(config, logger);
  const api = await startApi(infra);
  // Stopped in reverse: the API finishes its requests before the database and Redis close.
  return [{ name: 'infrastructure', stop: () => infra.close() }, api];
});
