import type { AddressInfo } from 'node:net';
import { buildApp, healthRoutes, warmUpApi, type Readiness } from '../api/index.ts';
import { openQueues } from '../jobs/index.ts';
import { listenFailure } from './failure.ts';
import type { Infrastructure } from './infrastructure.ts';
import type { Role } from './process.ts';
import Fastify, { type FastifyInstance } from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';

/**
 * A server for a process without the API role: the same probes as the API's (a load balancer in
 * front of the chat receivers needs /readyz as much), the chat side added by `extend`.
 */
async function bareServer(infra: Infrastructure, readiness: Readiness): Promise<FastifyInstance> {
  const app = Fastify({ loggerInstance: infra.logger });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  await app.register(healthRoutes({ db: infra.db, redis: infra.redis, readiness }));
  return app as unknown as FastifyInstance;
}

// The admin API role's composition root: builds the app, warms it up, and only then opens the port.

export interface ServerOptions {
  /** Serve the admin API's routes (role api); without them the server carries only what `extend` adds. */
  api?: boolean;
  /** Adds more to the same server before it opens (the chat side: src/roles.ts); answers URLs to print. */
  extend?: (app: FastifyInstance) => Promise<string[]>;
}

export async function startApi(infra: Infrastructure, options: ServerOptions = {}): Promise<Role> {
  const { config, logger, core, db, redis } = infra;
  const readiness: { state: Readiness['state'] } = { state: 'starting' };
  const api = options.api ?? true;
  // The queue board for admins at /admin/queues: this process only reads the queues the workers run.
  const jobQueues = api ? openQueues(config.REDIS_URL) : null;
  const app = jobQueues
    ? await buildApp({ core, db, redis, config, logger, readiness, queues: [jobQueues.queues.delivery, jobQueues.queues.schedule] })
    : await bareServer(infra, readiness);
  const extraUrls = options.extend ? await options.extend(app) : [];

  // On a database without an admin, a local one with a token, so a newcomer can call the API at once.
  const bootstrap = config.NODE_ENV === 'production' ? null : await core.operator.bootstrapLocalAdmin();

  const warming = performance.now();
  if (api) await warmUpApi(app, core);
  logger.info({ ms: Math.round(performance.now() - warming) }, 'warmed up');
  readiness.state = 'ready';
  try {
    await app.listen({ host: config.HOST, port: config.PORT });
  } catch (error) {
    throw listenFailure(error, config.HOST, config.PORT);
  }
  const { port } = app.server.address() as AddressInfo;
  const url = `http://${config.HOST}:${port}`;
  if (api) logger.info({ url, port }, `admin API ready at ${url} (docs at ${url}/docs)`);
  for (const extra of extraUrls) logger.info({ url: extra }, `ready: ${extra}`);
  if (extraUrls.length) console.warn(['', ...extraUrls.map((u) => `  ${u}`), ''].join('\n'));
  if (bootstrap) printLocalAdminToken(bootstrap.token.token, url);

  return {
    name: 'api',
    async stop() {
      // Load balancers see /readyz fail while requests in flight finish.
      readiness.state = 'stopping';
      await app.close();
      await jobQueues?.close();
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
