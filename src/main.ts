import { Redis } from 'ioredis';
import { buildApp, createApiLogger } from './api/index.ts';
import { loadConfig } from './config.ts';
import { createCore, DEFAULT_CORE_CONFIG, systemClock } from './core/index.ts';
import { createDb } from './db/client.ts';
import { ensureDatabase } from './db/database.ts';
import { migrate } from './db/migrate.ts';

// Process entry point: prepares the database, then serves the admin API until SIGINT/SIGTERM.

const SHUTDOWN_GRACE_MS = 10_000;

const config = loadConfig();
const logger = createApiLogger(config);

if (config.MIGRATE_ON_START) {
  await ensureDatabase(config.DATABASE_URL);
  const { applied } = await migrate(config.DATABASE_URL);
  if (applied.length) logger.info({ applied }, 'applied migrations');
}

const db = createDb(config.DATABASE_URL);
const core = createCore({
  db,
  clock: systemClock,
  config: { ...DEFAULT_CORE_CONFIG, bookingMinNoticeMinutes: config.BOOKING_MIN_NOTICE_MINUTES, bookingHorizonDays: config.BOOKING_HORIZON_DAYS },
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

const app = await buildApp({ core, db, redis, config, logger });

if (config.NODE_ENV !== 'production') {
  const bootstrap = await core.operator.bootstrapLocalAdmin();
  if (bootstrap) {
    // Printed once, to the terminal rather than the logs: logs never carry secrets.
    console.warn(
      [
        '',
        `First start: created the local admin admin@localhost and an API token for it (shown only now):`,
        '',
        `  export TOKEN=${bootstrap.token.token}`,
        `  curl -H "Authorization: Bearer $TOKEN" http://${config.HOST}:${config.PORT}/me`,
        '',
        `More tokens: npm run cli -- token create --user admin@localhost`,
        '',
      ].join('\n'),
    );
  }
}

await app.listen({ host: config.HOST, port: config.PORT });
logger.info(`admin API docs at http://${config.HOST}:${config.PORT}/docs`);

let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'shutting down');
  const force = setTimeout(() => {
    logger.error('shutdown took too long; exiting');
    process.exit(1);
  }, SHUTDOWN_GRACE_MS);
  force.unref();
  try {
    await app.close();
    await db.$disconnect();
    await redis.quit().catch(() => redis.disconnect());
    process.exit(0);
  } catch (error) {
    logger.error({ err: error }, 'shutdown failed');
    process.exit(1);
  }
}
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));
