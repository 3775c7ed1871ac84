import type { AddressInfo } from 'node:net';
import { buildApp, warmUpApi, type Readiness } from '../api/index.ts';
import { openQueues } from '../jobs/index.ts';
import { listenFailure } from './failure.ts';
import type { Infrastructure } from './infrastructure.ts';
import type { Role } from './process.ts';

// The admin API role's composition root: builds the app, warms it up, and only then opens the port.

export async function startApi(infra: Infrastructure): Promise<Role> {
  const { config, logger, core, db, redis } = infra;
  const readiness: { state: Readiness['state'] } = { state: 'starting' };
  // The queue board for admins at /admin/queues: this process only reads the queues the workers run.
  const jobQueues = openQueues(config.REDIS_URL);
  const app = await buildApp({ core, db, redis, config, logger, readiness, queues: [jobQueues.queues.delivery, jobQueues.queues.schedule] });

  // On a database without an admin, a local one with a token, so a newcomer can call the API at once.
  const bootstrap = config.NODE_ENV === 'production' ? null : await core.operator.bootstrapLocalAdmin();

  const warming = performance.now();
  await warmUpApi(app, core);
  logger.info({ ms: Math.round(performance.now() - warming) }, 'warmed up');
  readiness.state = 'ready';
  try {
    await app.listen({ host: config.HOST, port: config.PORT });
  } catch (error) {
    throw listenFailure(error, config.HOST, config.PORT);
  }
  const { port } = app.server.address() as AddressInfo;
  const url = `http://${config.HOST}:${port}`;
  logger.info({ url, port }, `admin API ready at ${url} (docs at ${url}/docs)`);
  if (bootstrap) printLocalAdminToken(bootstrap.token.token, url);

  return {
    name: 'api',
    async stop() {
      // Load balancers see /readyz fail while requests in flight finish.
      readiness.state = 'stopping';
      await app.close();
      await jobQueues.close();
    },
  };
}

function printLocalAdminToken(token: string, url: string): void {
  // Printed once, to the terminal rather than the logs: logs never carry secrets.
  console.warn(
    [
      '',
      `First start: created the local admin admin@localhost and an API token for it (shown only now):`,
      '',
      `  export TOKEN=${token}`,
      `  curl -H "Authorization: Bearer $TOKEN" ${url}/me`,
      '',
      `More tokens: npm run cli -- token create --user admin@localhost`,
      '',
    ].join('\n'),
  );
}
