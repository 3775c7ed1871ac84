import { z } from 'zod';

/** Signs the bot's buttons on a developer machine; production must set its own (see below). */
export const LOCAL_DEV_ACTION_SECRET = 'coachbot-local-development-action-secret';

// The environment is read once, here. Every default works on a developer machine as set up in README.
// A bad value stops the process with one line naming the variable, the value given and what it takes.

const whole = (min: number, max?: number) => {
  const error = max === undefined ? `expected a whole number of at least ${min}` : `expected a whole number from ${min} to ${max}`;
  const number = z.coerce.number({ error }).int({ error }).min(min, { error });
  return max === undefined ? number : number.max(max, { error });
};

/** What REDIS_PREFIX may hold: characters that need no quoting in redis-cli or a key pattern. */
const REDIS_PREFIX_PATTERN = /^[\w.:-]{0,99}:$/;

const url = (...protocols: string[]) =>
  z.url({ protocol: new RegExp(`^(${protocols.join('|')})$`), error: `expected a ${protocols.join(' or ')} URL` });

/**
 * PostgreSQL session timeouts of every pool (see createDb): a process that stops while holding a
 * coach's lock (SIGSTOP, a partition) blocks that coach's bookings on every instance only until its
 * idle transaction is ended; meanwhile waiters give up after lock_timeout and answer 503.
 */
export const DB_TIMEOUT_DEFAULTS = { lockTimeoutMs: 5_000, statementTimeoutMs: 15_000, idleInTransactionTimeoutMs: 30_000 };

/** The timeouts a configuration asks createDb for. */
export function dbTimeouts(config: Pick<Config, 'DB_LOCK_TIMEOUT_MS' | 'DB_STATEMENT_TIMEOUT_MS' | 'DB_IDLE_IN_TRANSACTION_TIMEOUT_MS'>) {
  return {
    lockTimeoutMs: config.DB_LOCK_TIMEOUT_MS,
    statementTimeoutMs: config.DB_STATEMENT_TIMEOUT_MS,
    idleInTransactionTimeoutMs: config.DB_IDLE_IN_TRANSACTION_TIMEOUT_MS,
  };
}

const fields = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  DATABASE_URL: url('postgres', 'postgresql').default('postgresql://postgres@127.0.0.1:5432/coachbot'),
  REDIS_URL: url('redis', 'rediss').default('redis://127.0.0.1:6379'),
  /** Starts every Redis key the service writes; by default `coachbot:<database name>:` (see redisKeyPrefix). */
  REDIS_PREFIX: z.string().regex(REDIS_PREFIX_PATTERN, 'expected up to 100 characters of A-Z, a-z, 0-9, _ . : and -, ending with ":"').optional(),
  HOST: z.string().default('127.0.0.1'),
  PORT: whole(0, 65535).default(3000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Minimum notice before a slot can be booked, in minutes. */
  BOOKING_MIN_NOTICE_MINUTES: whole(0).default(60),
  /** How far ahead slots can be booked, in days. */
  BOOKING_HORIZON_DAYS: whole(1, 730).default(90),
  /** How long a waitlist offer holds a freed seat for its member, in minutes (never past the slot's minimum notice). */
  WAITLIST_CLAIM_MINUTES: whole(1, 1440).default(15),
  /** Migrate the database when the service starts (the local default). */
  MIGRATE_ON_START: z.stringbool({ error: 'expected true or false' }).default(true),
  /** Public base URL used in links the service hands out (ICS feeds). */
  PUBLIC_URL: url('http', 'https').optional(),
  /** Requests per minute of one user (or, without a credential, one IP address). */
  API_RATE_LIMIT_PER_MINUTE: whole(1).default(300),
  /** Failed authentications (bearer tokens, calendar feed secrets) per minute of one IP address. */
  API_AUTH_FAILURES_PER_MINUTE: whole(1).default(30),
  /** Prefix of the rate limiter's Redis keys (processes under one prefix share budgets); by default under REDIS_PREFIX. */
  API_RATE_LIMIT_KEY_PREFIX: z.string().min(1).optional(),
  /** PostgreSQL lock_timeout: a wait for a lock (a coach's calendar) longer than this answers 503. 0 turns it off. */
  DB_LOCK_TIMEOUT_MS: whole(0).default(DB_TIMEOUT_DEFAULTS.lockTimeoutMs),
  /** PostgreSQL statement_timeout: no statement runs longer. 0 turns it off. */
  DB_STATEMENT_TIMEOUT_MS: whole(0).default(DB_TIMEOUT_DEFAULTS.statementTimeoutMs),
  /** PostgreSQL idle_in_transaction_session_timeout: a session that stops mid-transaction (a stopped process) loses it and its locks. 0 turns it off. */
  DB_IDLE_IN_TRANSACTION_TIMEOUT_MS: whole(0).default(DB_TIMEOUT_DEFAULTS.idleInTransactionTimeoutMs),
  API_BODY_LIMIT_BYTES: whole(1024).default(64 * 1024),
  /** When set, GET /metrics asks for `Authorization: Bearer <METRICS_TOKEN>`; when not, it is open (bind it to an internal network). */
  METRICS_TOKEN: z.string().min(16, { error: 'expected at least 16 characters' }).optional(),
  /** After SIGTERM, how long requests in flight may take before the process exits anyway (status 1). */
  SHUTDOWN_GRACE_SECONDS: whole(1).default(10),
  /** How long a process whose role needs Redis (bot, worker, all) waits for it at start before it exits 1 saying so. */
  REDIS_STARTUP_TIMEOUT_SECONDS: whole(0).default(10),
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
  /** Minutes before a session its reminders go out, comma-separated (empty: no reminders). */
  REMINDER_OFFSETS: z
    .string()
    .regex(/^\s*(\d+\s*(,\s*\d+\s*)*)?$/, 'must be minutes separated by commas, e.g. "1440,60"')
    .default('1440,60')
    .transform((v) => v.split(',').map((m) => m.trim()).filter(Boolean).map(Number).filter((m) => m > 0)),
  /** How often the scheduler derives due reminders and prompts from the sessions table. */
  JOBS_TICK_MS: whole(1000).default(60_000),
  /** How often the relay moves new outbox rows to the delivery queue. */
  JOBS_RELAY_MS: whole(100).default(1_000),
  /** How often the reconciler puts back into Redis whatever PostgreSQL says is missing there. */
  JOBS_RECONCILE_MS: whole(1000).default(300_000),
  /** How often spent rows (chat deliveries, expired chat states) are pruned: src/core/retention. */
  JOBS_PRUNE_MS: whole(60_000).default(3_600_000),
  /** Days a chat input's redelivery claim is kept (platforms redeliver for a day at most). */
  CHAT_DELIVERIES_RETENTION_DAYS: whole(2).default(7),
  /** Days a chat conversation state is kept past its expiry. */
  CHAT_STATES_RETENTION_DAYS: whole(0).default(1),
  /** Notifications delivered at once per worker process. */
  DELIVERY_CONCURRENCY: whole(1, 500).default(32),
  /** Attempts before a notification is recorded as failed. */
  DELIVERY_ATTEMPTS: whole(1, 50).default(8),
  /** First retry delay; doubles each attempt. */
  DELIVERY_BACKOFF_MS: whole(1).default(5_000),
  /** How long a worker's claim on a notification holds before another may take it over. */
  DELIVERY_LEASE_MS: whole(100).default(60_000),
  /** How late a missed completion or rating prompt is still sent (e.g. workers were down), in hours. */
  PROMPT_LOOKBACK_HOURS: whole(1).default(24),
  /** HMAC key of the bot's action tokens: anyone who knows it can forge buttons. */
  BOT_ACTION_SECRET: z.string().min(16, { error: 'expected at least 16 characters' }).default(LOCAL_DEV_ACTION_SECRET),
  /** Serve the web playground (it acts as any user without a credential): `on`, `off`, or unset to serve it only when HOST is loopback outside production. */
  PLAYGROUND: z.enum(['on', 'off'], { error: 'expected on or off (or unset)' }).optional(),
  /** Redis key prefix of the web playground's messages and events; by default under REDIS_PREFIX. */
  PLAYGROUND_REDIS_PREFIX: z.string().min(1).optional(),
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
  /** Slack's Web API base, for a proxy or a self-hosted test double; Slack's own when unset. */
  SLACK_API_URL: url('http', 'https').optional(),
  /** Slack deliveries worked on at once after their acks, per process. */
  SLACK_WORK_CONCURRENCY: whole(1, 64).default(2),
});

const checked = fields.superRefine((c, issue) => {
  if (c.NODE_ENV === 'production' && c.BOT_ACTION_SECRET === LOCAL_DEV_ACTION_SECRET) {
    issue.addIssue({ code: 'custom', path: ['BOT_ACTION_SECRET'], message: 'must be set to a secret of your own in production' });
  }
});

// Every key the service writes in Redis starts with REDIS_PREFIX, so that deployments on different
// databases can share one Redis without taking each other's jobs or rewriting each other's schedules.
const schema = checked.transform((c) => {
  const redisPrefix = c.REDIS_PREFIX ?? defaultRedisPrefix(c.DATABASE_URL);
  return {
    ...c,
    REDIS_PREFIX: redisPrefix,
    API_RATE_LIMIT_KEY_PREFIX: c.API_RATE_LIMIT_KEY_PREFIX ?? `${redisNamespace({ REDIS_PREFIX: redisPrefix }, 'api:ratelimit')}:`,
    PLAYGROUND_REDIS_PREFIX: c.PLAYGROUND_REDIS_PREFIX ?? `${redisNamespace({ REDIS_PREFIX: redisPrefix }, 'playground')}:`,
  };
});

export type Config = z.output<typeof schema>;

/** Every variable the process reads (compose.yaml and docs/operations.md are checked against it). */
export const CONFIG_VARIABLES: readonly string[] = Object.keys(fields.shape);

/**
 * The parts of the service that keep keys in Redis, each in a namespace of its own within
 * REDIS_PREFIX. (Slack's keys are named `slack:…` by its adapter, on REDIS_PREFIX itself.)
 */
export type RedisPart = 'bull' | 'telegram' | 'discord' | 'playground' | 'api:ratelimit';

/**
 * The namespace of one part's Redis keys, `<REDIS_PREFIX><part>`: its keys are `<namespace>:…`.
 * Every Redis key the service writes is built on this (BullMQ's `prefix` takes it as it is).
 */
export function redisNamespace(config: { REDIS_PREFIX: string }, part: RedisPart): string {
  return `${config.REDIS_PREFIX}${part}`;
}

/**
 * `coachbot:<database name>:`, the name kept to the characters a prefix may hold: two deployments
 * on different databases never meet in one Redis. (Databases of one name on different PostgreSQL
 * servers would: set REDIS_PREFIX for those.)
 */
export function defaultRedisPrefix(databaseUrl: string): string {
  const url = new URL(databaseUrl);
  // Without a database in the URL, PostgreSQL connects to the one named after the user.
  const database = decodeURIComponent(url.pathname.slice(1)) || decodeURIComponent(url.username) || 'postgres';
  return `coachbot:${database.replace(/[^\w.-]/g, '_').slice(0, 80)}:`;
}

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

/** Parses the environment with a schema; a bad value becomes one ConfigError naming every problem. */
function parseEnvironment<T>(schema: z.ZodType<T>, env: NodeJS.ProcessEnv): T {
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

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const config = parseEnvironment(schema, env);
  if (config.TELEGRAM_BOT_TOKEN && config.TELEGRAM_MODE === 'webhook' && (!config.TELEGRAM_WEBHOOK_URL || !config.TELEGRAM_WEBHOOK_SECRET)) {
    throw new ConfigError('Invalid configuration: TELEGRAM_WEBHOOK_URL and TELEGRAM_WEBHOOK_SECRET are required when TELEGRAM_MODE is webhook');
  }
  return config;
}

/** What the operator CLI uses: the database and booking rules, none of the service's secrets. */
const operatorFields = fields.pick({
  DATABASE_URL: true,
  DB_LOCK_TIMEOUT_MS: true,
  DB_STATEMENT_TIMEOUT_MS: true,
  DB_IDLE_IN_TRANSACTION_TIMEOUT_MS: true,
  BOOKING_MIN_NOTICE_MINUTES: true,
  BOOKING_HORIZON_DAYS: true,
  WAITLIST_CLAIM_MINUTES: true,
});

export type OperatorConfig = z.infer<typeof operatorFields>;

/**
 * The CLI's configuration: only the variables it uses are read, so an operator can run it in the
 * production image without the service's secrets (BOT_ACTION_SECRET and the platforms' tokens).
 */
export function loadOperatorConfig(env: NodeJS.ProcessEnv = process.env): OperatorConfig {
  return parseEnvironment(operatorFields, env);
}
