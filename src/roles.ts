import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { AdapterState } from './api/index.ts';
import { PlaygroundStore, WebChatPort, playgroundPlugin, playgroundServing } from './adapters/web/index.ts';
import { createDiscordAdapter, discordSettings } from './adapters/discord/index.ts';
import { createSlackAdapter, slackSettings } from './adapters/slack/index.ts';
import { createTelegramAdapter, telegramConfigured } from './adapters/telegram/index.ts';
import { BOT_COMMANDS, createBot, type Bot, type ChatPort, type Platform } from './bot/index.ts';
import { createInstallationRecords } from './core/chat/installations.ts';
import { startWorkerRole } from './jobs/index.ts';
import { redisNamespace, type Config } from './config.ts';
import { DEFAULT_CORE_CONFIG, systemClock, type Clock, type Core } from './core/index.ts';
import type { Db } from './db/client.ts';
import { seedDemoIfEmpty } from './demo/seed.ts';
import { reasonOf } from './runtime/failure.ts';
import type { ProcessMetrics } from './runtime/metrics.ts';

// Process roles (docs/design.md §7): `--role api|bot|worker|all` (default all). `api` serves the
// admin API, `bot` the chat side (the adapters' receivers and, where it is safe, the web
// playground: adapters/web/serving.ts), `worker` the BullMQ workers. Each role is stateless, so any
// number of each can run.
// Every process serves HTTP on PORT: at least /healthz, /readyz and /metrics, the API when it runs.

export const ROLES = ['api', 'bot', 'worker', 'all'] as const;
export type ProcessRole = (typeof ROLES)[number];

export function processRole(argv: string[] = process.argv.slice(2)): ProcessRole {
  const i = argv.findIndex((a) => a === '--role' || a.startsWith('--role='));
  if (i < 0) return 'all';
  const value = argv[i]!.includes('=') ? argv[i]!.split('=')[1] : argv[i + 1];
  if (!ROLES.includes(value as ProcessRole)) throw new Error(`--role must be one of ${ROLES.join(', ')} (got ${value ?? 'nothing'})`);
  return value as ProcessRole;
}

export const runs = (role: ProcessRole, part: Exclude<ProcessRole, 'all'>) => role === 'all' || role === part;

/**
 * Whether each part of a process needs Redis to do its work, and so whether /readyz answers 503 while
 * Redis is down: a load balancer then takes out only the processes that cannot serve without it.
 */
const NEEDS_REDIS: Record<Exclude<ProcessRole, 'all'>, boolean> = {
  // Rate limiting skips a Redis that is away and idempotency keys live in PostgreSQL: the admin API still serves (degraded).
  api: false,
  // Slack's and Telegram's redelivery claims are Redis keys: without Redis their events and updates fail.
  bot: true,
  // BullMQ's queues and job schedulers live in Redis: no notification goes out without it.
  worker: true,
};

/** Whether a process of this role is not ready while Redis is down (any part of it that needs Redis decides). */
export const requiresRedis = (role: ProcessRole) => (['api', 'bot', 'worker'] as const).some((part) => runs(role, part) && NEEDS_REDIS[part]);

export interface ChatDeps {
  db: Db;
  core: Core;
  clock: Clock;
  config: Config;
  redis: Redis;
  logger: Logger;
}

/**
 * A platform adapter as a role sees it: mounts its routes on the shared server (if it has any) before
 * the server opens, then starts receiving once it has, so that no platform call gates the port or
 * another platform. Sends through its ChatPort always.
 */
interface Receiver {
  name: string;
  mount?(app: FastifyInstance): Promise<void>;
  /** `stopped`: called if receiving later stops for good by itself (the adapter has logged why). */
  start(stopped: (error: unknown) => void): Promise<void>;
  stop(): Promise<void>;
}

export interface ChatSide {
  bot: Bot;
  ports: Partial<Record<Platform, ChatPort>>;
  store: PlaygroundStore;
  /** The configured chat platforms' receivers; a worker process only sends, so it never starts them. */
  receivers: Receiver[];
}

/**
 * The bot and the ChatPort of every configured platform. The web port is always there
 * (notifications to playground users land in its history); Slack, Telegram and Discord join when
 * their variables are set. The ports map is filled after the bot is made: adapters need the bot.
 */
export function buildBot(deps: ChatDeps): ChatSide {
  const store = new PlaygroundStore(deps.redis, deps.config.PLAYGROUND_REDIS_PREFIX);
  const ports: Partial<Record<Platform, ChatPort>> = { web: new WebChatPort(store) };
  const bot = createBot({ core: deps.core, clock: deps.clock, actionSecret: deps.config.BOT_ACTION_SECRET, ports, logger: deps.logger });
  const receivers: Receiver[] = [];
  const { config, redis, logger } = deps;

  // Each adapter keeps its Redis keys under the deployment's REDIS_PREFIX (Slack's names its own `slack:…`).
  const slack = slackSettings(config);
  if (slack) {
    const adapter = createSlackAdapter({ settings: slack, bot, redis, logger, installations: createInstallationRecords(deps.db, 'slack'), keyPrefix: config.REDIS_PREFIX });
    ports.slack = adapter.port;
    receivers.push({ name: 'slack', start: async () => void (await adapter.start()), stop: () => adapter.stop() });
  }
  if (telegramConfigured(config)) {
    const adapter = createTelegramAdapter({ config, bot, redis, logger, keyPrefix: redisNamespace(config, 'telegram') });
    ports.telegram = adapter.port;
    receivers.push({ name: 'telegram', start: (stopped) => adapter.start({ onStopped: stopped }), stop: () => adapter.stop() });
  }
  const discord = discordSettings(config);
  if (discord) {
    const adapter = createDiscordAdapter({ settings: { ...discord, keyPrefix: `${redisNamespace(config, 'discord')}:` }, bot, redis, logger, commands: BOT_COMMANDS });
    ports.discord = adapter.port;
    receivers.push({ name: 'discord', mount: (app) => adapter.mount(app), start: () => adapter.connect(), stop: () => adapter.stop() });
  }
  return { bot, ports, store, receivers };
}

/** Registers the chat side on a server (the playground, the receivers' routes); answers what is worth printing (pages by path). */
export async function attachChat(app: FastifyInstance, deps: ChatDeps, chat: ChatSide = buildBot(deps)): Promise<{ bot: Bot; urls: string[] }> {
  const urls: string[] = [];
  const playground = playgroundServing(deps.config);
  deps.logger.info({ served: playground.served }, `playground ${playground.served ? 'served' : 'not served'}: ${playground.reason}`);
  if (playground.served) {
    await app.register(playgroundPlugin({ bot: chat.bot, core: deps.core, store: chat.store, redis: deps.redis }));
    urls.push('playground: /playground');
  }
  for (const receiver of chat.receivers) await receiver.mount?.(app);
  return { bot: chat.bot, urls };
}

/**
 * Starts every receiver side by side, each reporting its state for /readyz in `states`: a platform
 * that cannot be reached is logged once, with why, and marked down; the others start regardless.
 */
export function startReceivers(receivers: Receiver[], states: Record<string, AdapterState>, logger: Logger): void {
  for (const { name, start } of receivers) {
    states[name] = 'starting';
    start(() => (states[name] = 'down')).then(
      () => {
        // Unless receiving has already stopped for good (Telegram refusing the first poll).
        if (states[name] === 'starting') states[name] = 'ready';
        logger.info({ adapter: name }, `${name}: receiving`);
      },
      (error: unknown) => {
        states[name] = 'down';
        logger.error({ adapter: name, err: error }, `${name} cannot start: ${reasonOf(error)}`);
      },
    );
  }
}

/** The roles of this process over the shared infrastructure (main.ts calls this). */
export async function startRoles(
  infra: Omit<ChatDeps, 'clock'> & { metrics: ProcessMetrics },
  role: ProcessRole,
  startServer: (options: { api: boolean; requiresRedis: boolean; adapters: Readonly<Record<string, AdapterState>>; extend?: (app: FastifyInstance) => Promise<string[]> }) => Promise<{ name: string; stop(): Promise<void> }>,
) {
  const deps: ChatDeps = { ...infra, clock: systemClock };
  // The demo is for `npm start` on a developer machine (NODE_ENV development), never for tests or production.
  if (deps.config.NODE_ENV === 'development' && (await seedDemoIfEmpty({ db: infra.db, clock: systemClock, config: coreConfigOf(deps.config) }))) {
    deps.logger.info('seeded the demo: coaches Ada Lovelace (Europe/Berlin) and Grace Hopper (America/New_York), three members, past and upcoming sessions');
  }
  const chat = runs(role, 'bot') || runs(role, 'worker') ? buildBot(deps) : null;
  const receiving = runs(role, 'bot') && chat;
  const startWorkers = async (side: ChatSide) => {
    const workers = await startWorkerRole({
      config: deps.config, db: deps.db, clock: deps.clock, present: side.bot.present, redraw: side.bot.redraw, keepNotice: side.bot.keepNotice, ports: (platform) => side.ports[platform], logger: deps.logger,
      telemetry: infra.metrics.deliveries, coreConfig: coreConfigOf(deps.config),
    });
    // The backlog is read from PostgreSQL at each scrape by the processes that deliver it.
    const unwatch = [infra.metrics.watchQueues(Object.values(workers.queues)), infra.metrics.watchBacklog(deps)];
    return {
      name: 'workers',
      async stop() {
        for (const stopWatching of unwatch) stopWatching();
        await workers.stop();
      },
    };
  };
  // The workers run before the server opens, so that its /readyz means it and the port opening is
  // start-up's last step (a signal before it has nothing in flight to finish: src/runtime/process.ts).
  // The chat platforms' ports send without their receivers, which start once the server is open.
  const workers = runs(role, 'worker') && chat ? await startWorkers(chat) : null;
  // Every receiver is 'starting' from the first probe; they start once the server is open.
  const adapters: Record<string, AdapterState> = Object.fromEntries((receiving ? chat.receivers : []).map((r) => [r.name, 'starting']));
  const server = await startServer({ api: runs(role, 'api'), requiresRedis: requiresRedis(role), adapters, ...(receiving ? { extend: async (app: FastifyInstance) => (await attachChat(app, deps, chat)).urls } : {}) });
  if (receiving) startReceivers(chat.receivers, adapters, deps.logger);
  // Stopped in reverse: workers finish their deliveries, receivers their acknowledged work, then the
  // server closes. A receiver still starting is not waited for: its platform may not answer.
  return [
    server,
    ...(receiving ? chat.receivers.map((r) => ({ name: r.name, stop: () => r.stop() })) : []),
    ...(workers ? [workers] : []),
  ];
}

function coreConfigOf(config: Config) {
  return { ...DEFAULT_CORE_CONFIG, bookingMinNoticeMinutes: config.BOOKING_MIN_NOTICE_MINUTES, bookingHorizonDays: config.BOOKING_HORIZON_DAYS, waitlistClaimMinutes: config.WAITLIST_CLAIM_MINUTES };
}
