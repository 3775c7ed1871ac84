import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { PlaygroundStore, WebChatPort, playgroundPlugin } from './adapters/web/index.ts';
import { createBot, type Bot, type ChatPort, type Platform } from './bot/index.ts';
import type { Config } from './config.ts';
import { DEFAULT_CORE_CONFIG, systemClock, type Clock, type Core } from './core/index.ts';
import type { Db } from './db/client.ts';
import { seedDemoIfEmpty } from './demo/seed.ts';

// Process roles (ARCHITECTURE §8): `--role api|bot|worker|all` (default all). `api` serves the
// admin API, `bot` the chat side (the adapters' receivers and, outside production, the web
// playground), `worker` the BullMQ workers. Each role is stateless, so any number of each can run.

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

export interface ChatDeps {
  db: Db;
  core: Core;
  clock: Clock;
  config: Config;
  redis: Redis;
  logger: Logger;
}

/**
 * The bot and its ChatPorts. The web port is always there (notifications to playground users land
 * in its history); the Slack, Telegram and Discord adapters add theirs here as they land.
 */
export function buildBot(deps: Omit<ChatDeps, 'db'>): { bot: Bot; ports: Partial<Record<Platform, ChatPort>>; store: PlaygroundStore } {
  const store = new PlaygroundStore(deps.redis, deps.config.PLAYGROUND_REDIS_PREFIX);
  const ports: Partial<Record<Platform, ChatPort>> = { web: new WebChatPort(store) };
  const bot = createBot({ core: deps.core, clock: deps.clock, actionSecret: deps.config.BOT_ACTION_SECRET, ports, logger: deps.logger });
  return { bot, ports, store };
}

/** Registers the chat side on a server; answers the URLs worth printing. */
export async function attachChat(app: FastifyInstance, deps: Omit<ChatDeps, 'db'>): Promise<{ bot: Bot; urls: string[] }> {
  const { bot, store } = buildBot(deps);
  const urls: string[] = [];
  if (deps.config.NODE_ENV !== 'production') {
    await app.register(playgroundPlugin({ bot, core: deps.core, store, redis: deps.redis }));
    urls.push(`playground: http://${deps.config.HOST}:${deps.config.PORT}/playground`);
  }
  return { bot, urls };
}

/** The roles of this process over the shared infrastructure (main.ts calls this). */
export async function startRoles(infra: Omit<ChatDeps, 'clock'>, role: ProcessRole, startServer: (options: { api: boolean; extend?: (app: FastifyInstance) => Promise<string[]> }) => Promise<{ name: string; stop(): Promise<void> }>) {
  const deps: ChatDeps = { ...infra, clock: systemClock };
  // The demo is for `npm start` on a developer machine (NODE_ENV development), never for tests or production.
  if (deps.config.NODE_ENV === 'development' && (await seedDemoIfEmpty({ db: infra.db, clock: systemClock, config: coreConfigOf(deps.config) }))) {
    deps.logger.info('seeded the demo: coaches Ada Lovelace (Europe/Berlin) and Grace Hopper (America/New_York), three members, past and upcoming sessions');
  }
  let bot: Bot | undefined;
  const server = runs(role, 'api') || runs(role, 'bot')
    ? await startServer({
        api: runs(role, 'api'),
        ...(runs(role, 'bot') ? { extend: async (app: FastifyInstance) => {
          const chat = await attachChat(app, deps);
          bot = chat.bot;
          return chat.urls;
        } } : {}),
      })
    : null;
  const stopWorkers = runs(role, 'worker') ? await startWorkers({ ...deps, bot: bot ?? buildBot(deps).bot }) : null;
  return [...(server ? [server] : []), ...(stopWorkers ? [{ name: 'workers', stop: stopWorkers }] : [])];
}

function coreConfigOf(config: Config) {
  return { ...DEFAULT_CORE_CONFIG, bookingMinNoticeMinutes: config.BOOKING_MIN_NOTICE_MINUTES, bookingHorizonDays: config.BOOKING_HORIZON_DAYS };
}

/**
 * Hook for the jobs (helper `jobs`): start the BullMQ workers here, delivering notices through
 * `bot.present` and the ports of buildBot, and answer a function that stops them gracefully.
 */
export async function startWorkers(_deps: ChatDeps & { bot: Bot }): Promise<() => Promise<void>> {
  return async () => undefined;
}
