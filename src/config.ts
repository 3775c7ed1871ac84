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
  /** Discord: the application's id, public key (hex, verifies HTTP interactions) and bot token. */
  DISCORD_APPLICATION_ID: z.string().regex(/^\d{1,25}$/).optional(),
  DISCORD_PUBLIC_KEY: z.string().regex(/^[0-9a-fA-F]{64}$/, 'must be 64 hexadecimal characters').optional(),
  DISCORD_BOT_TOKEN: z.string().min(1).optional(),
  /** `http`: the signed interactions endpoint (scales out); `gateway`: a WebSocket client (no public URL needed). */
  DISCORD_MODE: z.enum(['http', 'gateway']).default('http'),
  /** Register commands in this server only (instant); without it they are registered globally. */
  DISCORD_GUILD_ID: z.string().regex(/^\d{1,25}$/).optional(),
  /** REST base; tests point it at a local fake. */
  DISCORD_API_BASE: url('http', 'https').default('https://discord.com/api'),
  /** Server channel under which private coach–member threads are opened. */
  DISCORD_CONVERSATION_CHANNEL_ID: z.string().regex(/^\d{1,25}$/).optional(),
  /** How long an interaction's first answer may wait for the bot before it is deferred (Discord allows 3 s). */
  DISCORD_ANSWER_BUDGET_MS: whole(0, 2500).default(1500),
  /** Telegram bot token from @BotFather; the Telegram adapter starts only when it is set. */
  TELEGRAM_BOT_TOKEN: z.string().regex(/^\d+:[\w-]+$/, 'expected <bot id>:<secret> as @BotFather gives it').optional(),
  /** `webhook` in production; `polling` for a local run without a public URL. */
  TELEGRAM_MODE: z.enum(['webhook', 'polling']).default('webhook'),
  /** Public HTTPS URL Telegram posts updates to; its path is where the receiver listens. */
  TELEGRAM_WEBHOOK_URL: url('https').optional(),
  /** Sent by Telegram in X-Telegram-Bot-Api-Secret-Token. */
  TELEGRAM_WEBHOOK_SECRET: z.string().regex(/^[\w-]{16,256}$/, 'expected 16-256 characters of A-Z, a-z, 0-9, _ and -').optional(),
  TELEGRAM_WEBHOOK_HOST: z.string().default('127.0.0.1'),
  TELEGRAM_WEBHOOK_PORT: whole(0, 65535).default(8443),
  /** Bot API root; only tests and self-hosted Bot API servers change it. */
  TELEGRAM_API_ROOT: url('http', 'https').default('https://api.telegram.org'),
  /** Signs coach invite deep links; defaults to a key derived from the bot token. */
  TELEGRAM_INVITE_SECRET: z.string().min(16, 'expected at least 16 characters').optional(),
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
  const config = parsed.data;
  if (config.TELEGRAM_BOT_TOKEN && config.TELEGRAM_MODE === 'webhook' && (!config.TELEGRAM_WEBHOOK_URL || !config.TELEGRAM_WEBHOOK_SECRET)) {
    throw new ConfigError('Invalid configuration: TELEGRAM_WEBHOOK_URL and TELEGRAM_WEBHOOK_SECRET are required when TELEGRAM_MODE is webhook');
  }
  return config;
}
