import { z } from 'zod';

// The environment is read once, here. Every default works on a developer machine as set up in README.
// A bad value stops the process with one line naming the variable, the value given and what it takes.

const whole = (min: number, max?: number) => {
  const error = max === undefined ? `expected a whole number of at least ${min}` : `expected a whole number from ${min} to ${max}`;
  const number = z.coerce.number({ error }).int({ error }).min(min, { error });
  return max === undefined ? number : number.max(max, { error });
};

const url = (...protocols: string[]) =>
  z.url({ protocol: new RegExp(`^(${protocols.join('|')})$`), error: `expected a ${protocols.join(' or ')} URL` });

const schema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  DATABASE_URL: url('postgres', 'postgresql').default('postgresql://postgres@127.0.0.1:5432/coachbot'),
  REDIS_URL: url('redis', 'rediss').default('redis://127.0.0.1:6379'),
  HOST: z.string().default('127.0.0.1'),
  PORT: whole(0, 65535).default(3000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Minimum notice before a slot can be booked, in minutes. */
  BOOKING_MIN_NOTICE_MINUTES: whole(0).default(60),
  /** How far ahead slots can be booked, in days. */
  BOOKING_HORIZON_DAYS: whole(1, 730).default(90),
  /** Migrate the database when the service starts (the local default). */
  MIGRATE_ON_START: z.stringbool({ error: 'expected true or false' }).default(true),
  /** Public base URL used in links the service hands out (ICS feeds). */
  PUBLIC_URL: url('http', 'https').optional(),
  API_RATE_LIMIT_PER_MINUTE: whole(1).default(300),
  API_BODY_LIMIT_BYTES: whole(1024).default(64 * 1024),
  /** After SIGTERM, how long requests in flight may take before the process exits anyway (status 1). */
  SHUTDOWN_GRACE_SECONDS: whole(1).default(10),
  /** Slack: the adapter starts only when a bot token (or the OAuth client) and a signing secret (or app token) are set. */
  SLACK_SIGNING_SECRET: z.string().min(1).optional(),
  SLACK_BOT_TOKEN: z.string().startsWith('xoxb-').optional(),
  SLACK_CLIENT_ID: z.string().min(1).optional(),
  SLACK_CLIENT_SECRET: z.string().min(1).optional(),
  SLACK_STATE_SECRET: z.string().min(16).optional(),
  SLACK_REDIRECT_URI: url('http', 'https').optional(),
  /** Socket Mode instead of a public HTTP endpoint. */
  SLACK_APP_TOKEN: z.string().startsWith('xapp-').optional(),
  SLACK_HOST: z.string().default('127.0.0.1'),
  SLACK_PORT: whole(0, 65535).default(3001),
  /** Slack deliveries worked on at once after their acks, per process. */
  SLACK_WORK_CONCURRENCY: whole(1, 64).default(2),
});

export type Config = z.infer<typeof schema>;

/** A configuration the process cannot start with; its message is one line, fit for a terminal. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Variables whose values are never repeated back, even when wrong. */
const SECRET_NAME = /SECRET|TOKEN|PASSWORD|KEY/i;

/** A value as it may be shown: secrets hidden, a URL's password masked. */
function shown(name: string, value: unknown): string {
  if (typeof value !== 'string') return String(value);
  if (SECRET_NAME.test(name)) return '(hidden)';
  try {
    const parsed = new URL(value);
    if (parsed.password) {
      parsed.password = '***';
      return JSON.stringify(parsed.toString());
    }
  } catch {
    // Not a URL: shown as given.
  }
  return JSON.stringify(value);
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // An empty variable means "not set" (so `PORT= npm start` keeps the default, not port 0).
  const given = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ''));
  const parsed = schema.safeParse(given);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const name = String(issue.path[0]);
      return `${name} is ${shown(name, given[name])}: ${issue.message}`;
    });
    throw new ConfigError(`Invalid configuration: ${problems.join('; ')}`);
  }
  return parsed.data;
}
