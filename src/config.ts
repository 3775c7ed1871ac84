import { z } from 'zod';

// The environment is read once, here. Every default works on a developer machine as set up in README.
const schema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  DATABASE_URL: z.string().url().default('postgresql://postgres@127.0.0.1:5432/coachbot'),
  REDIS_URL: z.string().url().default('redis://127.0.0.1:6379'),
  HOST: z.string().default('127.0.0.1'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Minimum notice before a slot can be booked, in minutes. */
  BOOKING_MIN_NOTICE_MINUTES: z.coerce.number().int().min(0).default(60),
  /** How far ahead slots can be booked, in days. */
  BOOKING_HORIZON_DAYS: z.coerce.number().int().min(1).max(730).default(90),
  /** Migrate the database when the service starts (the local default). */
  MIGRATE_ON_START: z.stringbool().default(true),
  /** Public base URL used in links the service hands out (ICS feeds). */
  PUBLIC_URL: z.string().url().optional(),
  API_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).default(300),
  API_BODY_LIMIT_BYTES: z.coerce.number().int().min(1024).default(64 * 1024),
});

export type Config = z.infer<typeof schema>;

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`);
    throw new Error(`Invalid configuration:\n${lines.join('\n')}`);
  }
  return parsed.data;
}
