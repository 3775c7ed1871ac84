import { REST } from '@discordjs/rest';
import type { Client } from 'discord.js';
import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import type { ChatPort } from '../../bot/port.ts';
import type { CommandSpec } from '../../bot/index.ts';
import { registerCommands } from './commands.ts';
import { createDispatcher, type BotHandler, type DispatchLogger } from './dispatch.ts';
import { connectGateway } from './gateway.ts';
import { discordHttpPlugin } from './http.ts';
import { createDiscordPort } from './port.ts';
import { publicKeyFromHex } from './signature.ts';
import type { Config } from '../../config.ts';

// The Discord adapter: commands registered on start, interactions received over the signed HTTP
// endpoint (default: stateless, any number of processes behind a load balancer) or the gateway,
// and a ChatPort for direct messages and edits.

export interface DiscordSettings {
  applicationId: string;
  botToken: string;
  /** Required in HTTP mode. */
  publicKey?: string;
  mode: 'http' | 'gateway';
  guildId?: string;
  /** Channel under which coach–member private threads are opened. */
  conversationChannelId?: string;
  apiBase: string;
  answerBudgetMs: number;
  /** Redis key prefix for de-duplication; defaults to `coachbot:discord:`. */
  keyPrefix?: string;
  /** REST retries on 5xx/timeouts (1 here; the SDK's own default is 3); tests use 0 so a fault surfaces at once. */
  restRetries?: number;
  restTimeoutMs?: number;
}

export interface DiscordDeps {
  settings: DiscordSettings;
  bot: BotHandler;
  redis: Redis;
  logger: DispatchLogger & { info(obj: object, msg: string): void };
  commands: readonly CommandSpec[];
}

export interface DiscordAdapter {
  port: ChatPort;
  /** Mounts the HTTP endpoint on `app` (mode http), registers commands, connects the gateway (mode gateway). */
  start(app?: FastifyInstance): Promise<void>;
  /** Mounts the HTTP interactions endpoint (mode http; nothing in gateway mode): before the server opens, no Discord call. */
  mount(app: FastifyInstance): Promise<void>;
  /** Registers commands and connects the gateway (mode gateway): Discord's API calls, made once the server is open. */
  connect(): Promise<void>;
  /** Disconnects and waits for interactions in progress. */
  stop(): Promise<void>;
  /** Resolves when no interaction is being worked on (its answer and follow-ups all sent). */
  idle(): Promise<void>;
}

/** The options of the REST client every Discord call goes through (ours and the gateway Client's), bounded in time. */
function restOptionsOf(settings: Pick<DiscordSettings, 'apiBase' | 'restRetries' | 'restTimeoutMs'>) {
  return {
    api: settings.apiBase,
    version: '10',
    // A few seconds in all, retries included: one user's stuck call never holds the others long.
    retries: settings.restRetries ?? 1,
    timeout: settings.restTimeoutMs ?? 2_500,
    // Outbound notifications must hear of a 429 (the job waits), not sit in the SDK's queue.
    rejectOnRateLimit: ['/users/@me/channels', '/channels'],
  };
}

/** The REST client the adapter calls Discord with. */
export function discordRest(settings: Pick<DiscordSettings, 'apiBase' | 'botToken' | 'restRetries' | 'restTimeoutMs'>): REST {
  return new REST(restOptionsOf(settings)).setToken(settings.botToken);
}

export function createDiscordAdapter(deps: DiscordDeps): DiscordAdapter {
  const { settings } = deps;
  const restOptions = restOptionsOf(settings);
  const rest = discordRest(settings);
  const dispatch = createDispatcher({
    bot: deps.bot,
    rest,
    redis: deps.redis,
    keyPrefix: settings.keyPrefix ?? 'coachbot:discord:',
    answerBudgetMs: settings.answerBudgetMs,
    logger: deps.logger,
  });
  const inFlight = new Set<Promise<void>>();
  const track = (work: Promise<void>) => {
    const settled = work.catch((error: unknown) => deps.logger.error({ err: error }, 'discord: interaction work failed'));
    inFlight.add(settled);
    void settled.finally(() => inFlight.delete(settled));
  };
  let client: Client | undefined;

  return {
    port: createDiscordPort(rest, settings.conversationChannelId),
    async start(app) {
      if (settings.mode === 'http') {
        if (!app) throw new Error('the Discord HTTP endpoint needs a server to mount on');
        await this.mount(app);
      }
      await this.connect();
    },
    async mount(app) {
      if (settings.mode === 'gateway') return;
      if (!settings.publicKey) throw new Error('DISCORD_PUBLIC_KEY is required for the HTTP interactions endpoint');
      await app.register(discordHttpPlugin, { publicKey: publicKeyFromHex(settings.publicKey), dispatch, track });
    },
    async connect() {
      await registerCommands(rest, settings.applicationId, settings.guildId, deps.commands);
      if (settings.mode === 'gateway') {
        client = await connectGateway({ token: settings.botToken, dispatch, rest, track, restOptions });
        deps.logger.info({}, 'discord: gateway connected');
      }
    },
    async stop() {
      await client?.destroy();
      await this.idle();
    },
    async idle() {
      while (inFlight.size) await Promise.all(inFlight);
    },
  };
}


/** The adapter's settings from the environment, or null when Discord is not configured. */
export function discordSettings(config: Config): DiscordSettings | null {
  if (!config.DISCORD_APPLICATION_ID || !config.DISCORD_BOT_TOKEN) return null;
  if (config.DISCORD_MODE === 'http' && !config.DISCORD_PUBLIC_KEY) throw new Error('DISCORD_PUBLIC_KEY is required when DISCORD_MODE is http');
  return {
    applicationId: config.DISCORD_APPLICATION_ID,
    botToken: config.DISCORD_BOT_TOKEN,
    publicKey: config.DISCORD_PUBLIC_KEY,
    mode: config.DISCORD_MODE,
    guildId: config.DISCORD_GUILD_ID,
    conversationChannelId: config.DISCORD_CONVERSATION_CHANNEL_ID,
    apiBase: config.DISCORD_API_BASE,
    answerBudgetMs: config.DISCORD_ANSWER_BUDGET_MS,
  };
}
