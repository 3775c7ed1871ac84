import { randomUUID } from 'node:crypto';
import rateLimit from '@fastify/rate-limit';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyReply } from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Config } from '../config.ts';
import type { Core } from '../core/index.ts';
import type { Db } from '../db/client.ts';
import { authenticate, decorateActor, rateLimitKey } from './auth.ts';
import { documentRoutes, registerDocs } from './docs.ts';
import { answerClientError, installErrorHandling, notFound, requireHost, toErrorBody } from './errors.ts';
import { createApiLogger } from './logger.ts';
import { registerQueueBoard } from './queue-board.ts';
import { healthRoutes, type Readiness } from './routes/health.ts';
import { isWarmUpRequest } from './warmup.ts';
import { metricsRoute, type MetricsExposition } from './routes/metrics.ts';
import { createThrottle } from './throttle.ts';
import { protectedRoutes, publicRoutes } from './routes/index.ts';

export type ApiConfig = Pick<
  Config,
  'API_RATE_LIMIT_PER_MINUTE' | 'API_AUTH_FAILURES_PER_MINUTE' | 'API_RATE_LIMIT_KEY_PREFIX' | 'API_BODY_LIMIT_BYTES' | 'LOG_LEVEL'
> &
  Partial<Pick<Config, 'PUBLIC_URL'>>;

export interface AppDeps {
  core: Core;
  db: Db;
  /** Used by /readyz and, when given, shared by every API process for rate limiting. */
  redis?: Redis;
  config: ApiConfig;
  logger?: Logger;
  /** What /readyz reports about the process itself; ready at once when not given. */
  readiness?: Readiness;
  /** How long /readyz waits for PostgreSQL and Redis (CHECK_TIMEOUT_MS when not given). */
  readinessCheckTimeoutMs?: number;
  /** Whether /readyz answers 503 while Redis is down (default true); false where the process's roles serve without it. */
  readinessRequiresRedis?: boolean;
  /** The job queues, shown to admins at /admin/queues; no board without them. */
  queues?: readonly Queue[];
  /** Whether the queues' Redis connection is up now; while it is not, the board answers 503 (reachable when not given). */
  queuesReachable?: () => boolean;
  /** The process's metrics, served at /metrics (behind METRICS_TOKEN when given); no /metrics without them. */
  metrics?: { exposition: MetricsExposition; token?: string | undefined };
}

export const API_VERSION = '1.0.0';

/** The admin API's composition root: main.ts and the tests build the app with this one function. */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const logger: FastifyBaseLogger = deps.logger ?? createApiLogger(deps.config);
  const app = Fastify({
    loggerInstance: logger,
    // The warm-up's requests (warmup.ts) are the process's own, not traffic: the log leaves them out.
    logController: new LogController({ disableRequestLogging: isWarmUpRequest }),
    bodyLimit: deps.config.API_BODY_LIMIT_BYTES,
    genReqId: () => randomUUID(),
    return503OnClosing: false,
    // Requests Node's parser refuses, and those without Host, answer in the error format too.
    clientErrorHandler: answerClientError,
    http: { requireHostHeader: false },
    // Malformed URLs and the like answer in the same error shape as everything else.
    frameworkErrors: (error, request, reply) => {
      const body = toErrorBody(error, request.id);
      void (reply as FastifyReply).code(body.statusCode).send(body);
    },
  });

  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  installErrorHandling(app);
  app.addHook('onRequest', requireHost);
  decorateActor(app);
  // While closing, answers in flight end their keep-alive connection, so close() does not wait for
  // idle clients' sockets to time out; requests still arriving are served rather than refused.
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
    if (closing) reply.header('connection', 'close');
  });

  // Every route gets the plugin's limiter keyed on the IP; the throttle (see throttle.ts) counts
  // requests with a verified credential against their user instead, and failed ones more strictly.
  await app.register(rateLimit, {
    max: deps.config.API_RATE_LIMIT_PER_MINUTE,
    timeWindow: 60_000,
    keyGenerator: rateLimitKey,
    ...(deps.redis ? { redis: deps.redis, nameSpace: deps.config.API_RATE_LIMIT_KEY_PREFIX, skipOnError: true } : {}),
  });
  const throttle = createThrottle(app, deps.config);
  await registerDocs(app, { version: API_VERSION, publicUrl: deps.config.PUBLIC_URL });
  await app.register(async (scope) => {
    scope.addHook('onRoute', documentRoutes('probe'));
    await scope.register(
      healthRoutes({ db: deps.db, redis: deps.redis, readiness: deps.readiness, checkTimeoutMs: deps.readinessCheckTimeoutMs, requiresRedis: deps.readinessRequiresRedis }),
    );
  });
  if (deps.metrics) await app.register(metricsRoute({ metrics: deps.metrics.exposition, token: deps.metrics.token, throttle }));
  const routeDeps = { core: deps.core, publicUrl: deps.config.PUBLIC_URL };
  await app.register(async (scope) => {
    scope.addHook('onRoute', documentRoutes('public'));
    await scope.register(publicRoutes(routeDeps, throttle));
  });
  await app.register(async (scope) => {
    scope.addHook('onRoute', documentRoutes('bearer'));
    scope.addHook('onRequest', authenticate(deps.core, throttle));
    await scope.register(protectedRoutes(routeDeps));
  });
  if (deps.queues?.length) await registerQueueBoard(app, { core: deps.core, throttle, queues: deps.queues, reachable: deps.queuesReachable ?? (() => true) });
  // Unknown routes are rate limited too, so they cannot be probed at will.
  app.setNotFoundHandler({ preHandler: app.rateLimit() }, notFound);
  return app;
}
