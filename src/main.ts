import { openInfrastructure } from './runtime/infrastructure.ts';
import { startApi } from './runtime/api.ts';
import { runProcess } from './runtime/process.ts';
import { processRole, requiresRedis, startRoles } from './roles.ts';

// Process entry point: opens what the roles share, starts each role, and stops them on SIGTERM/SIGINT.
// A role is one composition root in src/runtime/ (today only the admin API).

await runProcess(async (config, logger) => {
  // `--role api|bot|worker|all` (src/roles.ts): the API and the chat side share one server.
  const role = processRole();
  const infra = await openInfrastructure(config, logger, { requiresRedis: requiresRedis(role) });
  const roles = await startRoles(infra, role, (options) => startApi(infra, options));
  // Stopped in reverse: the server finishes its requests before the database and Redis close.
  return [{ name: 'infrastructure', stop: () => infra.close() }, ...roles];
});
