import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { buildApp, healthRoutes, installErrorHandling, metricsRoute, warmUpApi, type MetricsExposition, type Readiness } from '../api/index.ts';
import type { Db } from '../db/client.ts';
import { redisNamespace } from '../config.ts';
import { openQueues } from '../jobs/index.ts';
import { listenFailure } from './failure.ts';
import type { Infrastructure } from './infrastructure.ts';
import type { Role } from './process.ts';

export interface BareServerDeps {
  db: Db;
  redis: Redis;
  logger: Logger;
  readiness: Readiness;
  metrics: MetricsExposition;
  metricsToken?: string | undefined;
  /** Whether /readyz requires Redis (default true). */
  requiresRedis?: boolean | undefined;
}

/**
 * A server for a process without the API role (bot, worker): the probes (/healthz, /readyz: warmed
 * up, PostgreSQL and Redis answer) and /metrics, the chat side added by `extend`.
 */
export async function bareServer(deps: BareServerDeps): Promise<FastifyInstance> {
  const app = Fastify({ loggerInstance: deps.logger }) as unknown as FastifyInstance;
  // The chat side's own routes (the playground) refuse in the API's error format too.
  installErrorHandling(app);
  // The probes' zod schemas in a scope of their own: the chat side registers plain routes beside them.
  await app.register(async (scope) => {
    scope.setValidatorCompiler(validatorCompiler);
    scope.setSerializerCompiler(serializerCompiler);
    await scope.register(healthRoutes({ db: deps.db, redis: deps.redis, readiness: deps.readiness, requiresRedis: deps.requiresRedis }));
  });
  await app.register(metricsRoute({ metrics: deps.metrics, token: deps.metricsToken }));
  return app;
}

/**
 * Resolves once the shared Redis connection is up, or has failed once (and /readyz then says so): a
 * server opened while Redis is still connecting would call itself not ready on its first probe.
 */
async function redisSettled(redis: Redis): Promise<void> {
  if (redis.status === 'ready' || redis.status === 'reconnecting' || redis.status === 'end') return;
  const events = ['ready', 'error', 'end'] as const;
  await new Promise<void>((resolve) => {
    const done = () => {
      for (const event of events) redis.off(event, done);
      resolve();
    };
    for (const event of events) redis.on(event, done);
  });
}

// The server of the process: the admin API's composition root for the api role (builds the app,
// warms it up, and only then opens the port), the bare server for the others.

export interface ServerOptions {
  /** Serve the admin API's routes (role api); without them the server carries only what `extend` adds. */
  api?: boolean;
  /** Adds more to the same server before it opens (the chat side: src/roles.ts); answers URLs to print. */
  extend?: (app: FastifyInstance) => Promise<string[]>;
  /** Whether this process is not ready while Redis is down (default true): its roles decide (src/roles.ts). */
  requiresRedis?: boolean;
}

export type ServerInfrastructure = Pick<Infrastructure, 'config' | 'logger' | 'core' | 'db' | 'redis' | 'metrics'>;

/** The process's server with every route it will serve, not yet warmed up nor listening. */
export interface ComposedServer {
  app: FastifyInstance;
  /** What /readyz reports about the process: `starting` until startApi has warmed the server up. */
  readiness: { state: Readiness['state'] };
  /** The URLs `extend` answered, worth printing once the server listens. */
  extraUrls: string[];
  /** Releases what the server holds besides itself (the queue board's queues); after app.close(). */
  release(): Promise<void>;
}

/** Builds the server as startApi serves it; scripts/openapi.ts fetches the live /openapi.json from it. */
export async function composeServer(infra: ServerInfrastructure, options: ServerOptions = {}): Promise<ComposedServer> {
  const { config, logger, core, db, redis, metrics } = infra;
  const readiness: { state: Readiness['state'] } = { state: 'starting' };
  const api = options.api ?? true;
  const requiresRedis = options.requiresRedis ?? true;
  // The queue board for admins at /admin/queues: this process only reads the queues the workers run.
  const jobQueues = api ? openQueues(config.REDIS_URL, redisNamespace(config, 'bull')) : null;
  const queues = jobQueues ? [jobQueues.queues.delivery, jobQueues.queues.schedule] : [];
  const app = api
    ? await buildApp({ core, db, redis, config, logger, readiness, readinessRequiresRedis: requiresRedis, queues, queuesReachable: jobQueues?.reachable, metrics: { exposition: metrics, token: config.METRICS_TOKEN } })
    : await bareServer({ db, redis, logger, readiness, metrics, metricsToken: config.METRICS_TOKEN, requiresRedis });
  const unwatchQueues = metrics.watchQueues(queues);
  const extraUrls = options.extend ? await options.extend(app) : [];
  return {
    app,
    readiness,
    extraUrls,
    async release() {
      unwatchQueues();
      await jobQueues?.close();
    },
  };
}

export async function startApi(infra: Infrastructure, options: ServerOptions = {}): Promise<Role> {
  const { config, logger, core, db, redis } = infra;
  const api = options.api ?? true;
  const { app, readiness, extraUrls, release } = await composeServer(infra, options);

  // On a database without an admin, a local one with a token, so a newcomer can call the API at once
  // (from a process serving it: the token's curl line names this server).
  const bootstrap = config.NODE_ENV === 'production' || !api ? null : await core.operator.bootstrapLocalAdmin();

  const warming = performance.now();
  // The warm-up's own requests are not logged (src/api/warmup.ts): this line says what it ran.
  let warmUpRequests: string[] = [];
  if (api) warmUpRequests = await warmUpApi(app, core);
  else {
    // What a first /readyz runs: the routes compiled, and the query it sends once already sent.
    await app.ready();
    await db.$queryRaw`SELECT 1`;
  }
  await redisSettled(redis);
  logger.info({ ms: Math.round(performance.now() - warming), requests: warmUpRequests }, 'warmed up');
  readiness.state = 'ready';
  try {
    await app.listen({ host: config.HOST, port: config.PORT });
  } catch (error) {
    throw listenFailure(error, config.HOST, config.PORT);
  }
  const { port } = app.server.address() as AddressInfo;
  const url = `http://${config.HOST}:${port}`;
  if (api) logger.info({ url, port }, `admin API ready at ${url} (docs at ${url}/docs)`);
  else logger.info({ url, port }, `server ready at ${url} (/healthz, /readyz, /metrics)`);
  // The chat side names its pages by path (the port is known only now).
  const extras = extraUrls.map((extra) => extra.replace(/^(\w+): \//, `$1: ${url}/`));
  for (const extra of extras) logger.info({ url: extra }, `ready: ${extra}`);

  return {
    name: 'api',
    ...(config.NODE_ENV === 'production' ? {} : { banner: startBanner({ url, api, extras, token: bootstrap?.token.token }) }),
    async stop() {
      // Load balancers see /readyz fail while requests in flight finish.
      readiness.state = 'stopping';
      await app.close();
      await release();
    },
  };
}

/**
 * What a developer needs first, printed to the terminal once every role has started, so that it is
 * the end of the first screen: where to go, the first-start token (to the terminal rather than the
 * logs: logs never carry secrets), and the first commands to try.
 */
function startBanner(o: { url: string; api: boolean; extras: string[]; token: string | undefined }): string | undefined {
  const lines = [
    ...(o.api ? [`  admin API:  ${o.url}  (docs: ${o.url}/docs)`] : []),
    ...o.extras.map((extra) => `  ${extra}`),
  ];
  if (lines.length === 0) return undefined;
  if (o.token) {
    lines.push(
      '',
      'First start: created the local admin admin@localhost and an API token for it (shown only now):',
      '',
      `  export TOKEN=${o.token}`,
      `  curl -H "Authorization: Bearer $TOKEN" ${o.url}/me`,
    );
  }
  lines.push('', 'First commands:');
  if (o.extras.some((extra) => extra.startsWith('playground:'))) lines.push('  in the playground: pick a user, then type /help');
  if (o.api) {
    lines.push(
      '  npm run cli -- token create --user admin@localhost      (another API token)',
      '  npm run cli -- user create --name "Max Member" --role Member --email max@example.com',
    );
  }
  return ['', 'Coachbot is running:', ...lines, ''].join('\n');
}
