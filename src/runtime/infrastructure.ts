import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { dbTimeouts, type Config } from '../config.ts';
import { createCore, DEFAULT_CORE_CONFIG, systemClock, type Core } from '../core/index.ts';
import { createDb, warmUpDb, type Db } from '../db/client.ts';
import { ensureDatabase } from '../db/database.ts';
import { migrate } from '../db/migrate.ts';
import { describeDatabaseUrl, describeRedisUrl, step } from './failure.ts';
import { createProcessMetrics, type ProcessMetrics } from './metrics.ts';

// What every role of the process shares: the database (checked, migrated, connected), Redis, core,
// and the process's metrics (core reports to them).

/** Pool connections opened at start and kept while idle: a request never waits for a connect. */
const WARM_CONNECTIONS = 2;

export interface Infrastructure {
  config: Config;
  logger: Logger;
  db: Db;
  redis: Redis;
  core: Core;
  /** One registry for the whole process, served at /metrics by its server. */
  metrics: ProcessMetrics;
  /** Closes the database pool and the Redis connection. */
  close(): Promise<void>;
}

export interface InfrastructureOptions {
  /** The process's roles cannot work without Redis (src/roles.ts): start-up waits for it, boundedly. */
  requiresRedis: boolean;
}

export async function openInfrastructure(config: Config, logger: Logger, options: InfrastructureOptions = { requiresRedis: false }): Promise<Infrastructure> {
  const postgres = `PostgreSQL at ${describeDatabaseUrl(config.DATABASE_URL)}`;
  if (config.MIGRATE_ON_START) {
    const { applied } = await step(postgres, async () => {
      await ensureDatabase(config.DATABASE_URL);
      return migrate(config.DATABASE_URL);
    });
    if (applied.length) logger.info({ applied }, 'applied migrations');
  }

  const db = createDb(config.DATABASE_URL, { min: WARM_CONNECTIONS, timeouts: dbTimeouts(config) });
  await step(postgres, () => warmUpDb(db, WARM_CONNECTIONS)).catch(async (error: unknown) => {
    await db.$disconnect().catch(() => undefined);
    throw error;
  });

  const metrics = createProcessMetrics({ logger });
  const core = createCore({
    db,
    clock: systemClock,
    config: { ...DEFAULT_CORE_CONFIG, bookingMinNoticeMinutes: config.BOOKING_MIN_NOTICE_MINUTES, bookingHorizonDays: config.BOOKING_HORIZON_DAYS, waitlistClaimMinutes: config.WAITLIST_CLAIM_MINUTES },
    telemetry: metrics.core,
  });

  // Fail fast rather than queue while Redis is away: /readyz then reports it, rate limiting skips it.
  const redis = new Redis(config.REDIS_URL, { maxRetriesPerRequest: 1, enableOfflineQueue: false, connectTimeout: 2_000 });
  let redisDown = false;
  redis.on('error', (error: Error) => {
    if (!redisDown) logger.warn({ err: error }, 'redis unavailable');
    redisDown = true;
  });
  redis.on('ready', () => {
    if (redisDown) logger.info('redis available again');
    redisDown = false;
  });

  if (options.requiresRedis) {
    try {
      await step(`Redis at ${describeRedisUrl(config.REDIS_URL)}`, () => redisReady(redis, config.REDIS_STARTUP_TIMEOUT_SECONDS * 1000));
    } catch (error) {
      redis.disconnect();
      await db.$disconnect().catch(() => undefined);
      throw error;
    }
  }

  return {
    config,
    logger,
    db,
    redis,
    core,
    metrics,
    async close() {
      await db.$disconnect();
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}

/** Resolves once the connection is ready; rejects with its last error (or a timeout) once `timeoutMs` has passed without. */
export function redisReady(redis: Redis, timeoutMs: number): Promise<void> {
  if (redis.status === 'ready') return Promise.resolve();
  return new Promise<void>((resolve, reject) => {
    let lastError: Error | undefined;
    const onError = (error: Error) => void (lastError = error);
    const onReady = () => {
      clearTimeout(timer);
      redis.off('error', onError);
      resolve();
    };
    const timer = setTimeout(() => {
      redis.off('ready', onReady).off('error', onError);
      reject(lastError ?? new Error(`no answer within ${timeoutMs / 1000} s (timeout)`));
    }, timeoutMs);
    redis.once('ready', onReady).on('error', onError);
  });
}
