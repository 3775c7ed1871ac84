import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import type { Db } from '../../db/client.ts';

// Probes for load balancers and orchestrators: no token, no rate limit.

/**
 * Whether this process should receive traffic: false until start-up has warmed it up (chat
 * platforms give a request 3 seconds, a cold first request can take longer) and again once it
 * is shutting down.
 */
export interface Readiness {
  readonly state: 'starting' | 'ready' | 'stopping';
  /** The chat platforms this process receives from, each ready only once connected (src/roles.ts). */
  readonly adapters?: Readonly<Record<string, AdapterState>>;
}

/** A chat adapter's receiving: `down` when it could not start or stopped receiving (logged once, with why). */
export type AdapterState = 'starting' | 'ready' | 'down';

/** The readiness of an app built without a start-up sequence (tests): ready at once. */
export const ALWAYS_READY: Readiness = { state: 'ready' };

/** How long /readyz waits for each dependency before calling it down: a probe must answer in time. */
export const CHECK_TIMEOUT_MS = 2_000;

type CheckState = 'up' | 'down' | 'not_configured';

async function probe(check: () => Promise<unknown>, timeoutMs: number): Promise<CheckState> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('timed out')), timeoutMs);
  });
  try {
    await Promise.race([check(), timeout]);
    return 'up';
  } catch {
    return 'down';
  } finally {
    clearTimeout(timer);
  }
}

const liveness = z.object({ status: z.literal('ok') }).meta({ id: 'Liveness' });
const state = z.enum(['up', 'down', 'not_configured']);
const readiness = z.object({
  status: z.enum(['ready', 'degraded', 'not_ready']).describe('degraded: serving (200) while Redis is down, which this process can do without'),
  process: z.enum(['starting', 'ready', 'stopping']).describe('not ready while warming up or shutting down'),
  checks: z.object({
    postgres: state,
    redis: state,
    adapters: z.record(z.string(), z.enum(['starting', 'ready', 'down'])).optional().describe('each chat platform this process receives from; one not ready makes the process not ready'),
  }),
}).meta({ id: 'Readiness' });

export interface HealthDeps {
  db: Db;
  redis?: Redis | undefined;
  readiness?: Readiness | undefined;
  checkTimeoutMs?: number | undefined;
  /** Whether Redis down makes the process not ready (default true); the process's roles decide (src/roles.ts). */
  requiresRedis?: boolean | undefined;
}

export function healthRoutes(deps: HealthDeps): FastifyPluginAsyncZod {
  const lifecycle = deps.readiness ?? ALWAYS_READY;
  const timeoutMs = deps.checkTimeoutMs ?? CHECK_TIMEOUT_MS;
  const requiresRedis = deps.requiresRedis ?? true;
  return async (app) => {
    app.get(
      '/healthz',
      {
        config: { rateLimit: false },
        schema: { tags: ['health'], operationId: 'checkLiveness', summary: 'The process is up', response: { 200: liveness } },
      },
      async () => ({ status: 'ok' as const }),
    );

    app.get(
      '/readyz',
      {
        config: { rateLimit: false },
        schema: {
          tags: ['health'],
          operationId: 'checkReadiness',
          summary: 'The process has warmed up and is not stopping, PostgreSQL answers SELECT 1 and Redis answers PING (a process serving only the API answers 200, degraded, without Redis); 503 otherwise',
          response: { 200: readiness, 503: readiness },
        },
      },
      async (request, reply) => {
        const redis = deps.redis;
        const [postgres, redisState] = await Promise.all([
          probe(() => deps.db.$queryRaw`SELECT 1`, timeoutMs),
          redis ? probe(() => redis.ping(), timeoutMs) : Promise.resolve<CheckState>('not_configured'),
        ]);
        const process = lifecycle.state;
        const adapters = lifecycle.adapters && Object.keys(lifecycle.adapters).length ? { ...lifecycle.adapters } : undefined;
        const adaptersReady = Object.values(adapters ?? {}).every((adapter) => adapter === 'ready');
        const serving = process === 'ready' && postgres === 'up' && (redisState !== 'down' || !requiresRedis) && adaptersReady;
        // Redis going away is logged once by its connection ('redis unavailable'), not at every probe.
        if (!serving) request.log.warn({ process, postgres, redis: redisState, adapters }, 'not ready');
        const status = !serving ? 'not_ready' : redisState === 'down' ? 'degraded' : 'ready';
        return reply.code(serving ? 200 : 503).send({ status, process, checks: { postgres, redis: redisState, ...(adapters ? { adapters } : {}) } });
      },
    );
  };
}
