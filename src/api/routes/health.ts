import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import type { Db } from '../../db/client.ts';

// Probes for load balancers and orchestrators: no token, no rate limit.

const CHECK_TIMEOUT_MS = 2_000;

type CheckState = 'up' | 'down' | 'not_configured';

async function probe(check: () => Promise<unknown>): Promise<CheckState> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('timed out')), CHECK_TIMEOUT_MS);
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

const state = z.enum(['up', 'down', 'not_configured']);
const readiness = z.object({ status: z.enum(['ready', 'not_ready']), checks: z.object({ postgres: state, redis: state }) });

export function healthRoutes(deps: { db: Db; redis?: Redis | undefined }): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/healthz',
      {
        config: { rateLimit: false },
        schema: { tags: ['health'], summary: 'The process is up', response: { 200: z.object({ status: z.literal('ok') }) } },
      },
      async () => ({ status: 'ok' as const }),
    );

    app.get(
      '/readyz',
      {
        config: { rateLimit: false },
        schema: {
          tags: ['health'],
          summary: 'PostgreSQL answers SELECT 1 and Redis answers PING; 503 otherwise',
          response: { 200: readiness, 503: readiness },
        },
      },
      async (request, reply) => {
        const redis = deps.redis;
        const [postgres, redisState] = await Promise.all([
          probe(() => deps.db.$queryRaw`SELECT 1`),
          redis ? probe(() => redis.ping()) : Promise.resolve<CheckState>('not_configured'),
        ]);
        const ready = postgres === 'up' && redisState !== 'down';
        if (!ready) request.log.warn({ postgres, redis: redisState }, 'not ready');
        return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not_ready', checks: { postgres, redis: redisState } });
      },
    );
  };
}
