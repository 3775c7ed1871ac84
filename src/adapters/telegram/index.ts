import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { Telegraf } from 'telegraf';
import type { Config } from '../../config.ts';
import { promptFor, type ChatPort } from '../../bot/index.ts';
import { createBotApi } from './bot-api.ts';
import { createTelegramChatPort } from './port.ts';
import { TELEGRAM_COMMANDS } from './commands.ts';
import { createConversation, type ChatBot } from './conversation.ts';
import { createInvites, inviteKeyFromToken } from './invites.ts';
import { createPacing, type PacingOptions } from './pacing.ts';
import { createUpdatesSeen } from './updates-seen.ts';
import { createWebhookReceiver, type WebhookReceiver } from './webhook-receiver.ts';

// The Telegram adapter: a Telegraf bot fed by our own webhook receiver (or long polling locally),
// de-duplicating updates in Redis, translating them for the bot and its answers back into Bot API
// calls; plus the ChatPort that jobs use to reach Telegram users.

export type { ChatBot } from './conversation.ts';
export { TELEGRAM_COMMANDS } from './commands.ts';

export type TelegramConfig = Pick<
  Config,
  | 'TELEGRAM_BOT_TOKEN'
  | 'TELEGRAM_MODE'
  | 'TELEGRAM_WEBHOOK_URL'
  | 'TELEGRAM_WEBHOOK_SECRET'
  | 'TELEGRAM_WEBHOOK_HOST'
  | 'TELEGRAM_WEBHOOK_PORT'
  | 'TELEGRAM_API_ROOT'
  | 'TELEGRAM_INVITE_SECRET'
>;

export interface TelegramAdapterDeps {
  config: TelegramConfig;
  bot: ChatBot;
  redis: Redis;
  logger: Logger;
  /** Prefix of every Redis key the adapter writes (tests make it unique). */
  keyPrefix?: string;
  pacing?: PacingOptions;
  /** Waits asked for by Telegram (retry_after) and by pacing; tests record them instead. */
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
  maxRateLimitRetries?: number;
  /** How long one Bot API request may take before it is given up (default CALL_TIMEOUT_MS). */
  callTimeoutMs?: number;
}

export interface TelegramAdapter {
  readonly port: ChatPort;
  /** `onStopped`: told when receiving stops for good by itself (Telegram refused our polling), already logged. */
  start(options?: { onStopped?: (error: unknown) => void }): Promise<void>;
  stop(): Promise<void>;
  /** Where the webhook receiver listens once started (port 0 picks a free one). */
  webhookAddress(): { host: string; port: number } | undefined;
  /** Resolves when every update received so far has been handled. */
  idle(): Promise<void>;
  /** A deep link that invites a member to sign up with this coach (once started). */
  inviteLink(coachUserId: string): string | undefined;
}

/** Telegram's recommended pace: about one message a second per chat, thirty a second overall. */
export const TELEGRAM_PACING: PacingOptions = { perChatMs: 1000, overallMs: 34 };

const sleepFor = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** True when the environment configures a Telegram bot; the adapter starts only then. */
export function telegramConfigured(config: TelegramConfig): boolean {
  return Boolean(config.TELEGRAM_BOT_TOKEN);
}

export function createTelegramAdapter(deps: TelegramAdapterDeps): TelegramAdapter {
  const { config, redis, logger } = deps;
  const token = config.TELEGRAM_BOT_TOKEN;
  if (!token) throw new Error('TELEGRAM_BOT_TOKEN is not set');
  const botId = token.split(':')[0]!;
  const keyPrefix = `${deps.keyPrefix ?? 'coachbot:telegram'}:${botId}`;
  const sleep = deps.sleep ?? sleepFor;

  // webhookReply off: the receiver answers Telegram at once, and every Bot API call is a real call
  // whose answer (a message id, an error) we see. See README, "Telegram".
  const telegraf = new Telegraf(token, { telegram: { apiRoot: config.TELEGRAM_API_ROOT, webhookReply: false } });
  const api = createBotApi(telegraf.telegram, {
    pacing: createPacing(redis, keyPrefix, deps.pacing ?? TELEGRAM_PACING, deps.now ?? Date.now),
    sleep,
    maxRateLimitRetries: deps.maxRateLimitRetries ?? 3,
    ...(deps.callTimeoutMs ? { callTimeoutMs: deps.callTimeoutMs } : {}),
  });
  const invites = createInvites(config.TELEGRAM_INVITE_SECRET ?? inviteKeyFromToken(token));
  const seen = createUpdatesSeen(redis, keyPrefix, (error) => logger.warn({ err: error }, 'telegram: update handled without its Redis claim (Redis unreachable)'));
  const handleUpdate = createConversation({
    bot: deps.bot,
    api,
    promptFor,
    invites,
    logger,
    scope: botId,
    botUsername: () => telegraf.botInfo?.username ?? '',
  });

  telegraf.use(async (ctx) => {
    if (!(await seen.claim(ctx.update.update_id))) {
      logger.info({ updateId: ctx.update.update_id }, 'telegram: redelivered update skipped');
      return;
    }
    await handleUpdate(ctx.update);
  });
  // Without it one throwing handler takes the process down (Telegraf rethrows by default).
  telegraf.catch((error, ctx) => logger.error({ err: error, updateId: ctx.update.update_id }, 'telegram: update failed'));

  function inviteLink(coachUserId: string): string | undefined {
    const username = telegraf.botInfo?.username;
    return username ? `https://t.me/${username}?start=${invites.payloadFor(coachUserId)}` : undefined;
  }

  let receiver: WebhookReceiver | undefined;
  let address: { host: string; port: number } | undefined;
  let polling: Promise<void> | undefined;

  return {
    port: createTelegramChatPort(api, botId, inviteLink),

    async start(options = {}) {
      telegraf.botInfo ??= await telegraf.telegram.getMe();
      await telegraf.telegram.setMyCommands(TELEGRAM_COMMANDS);
      if (config.TELEGRAM_MODE === 'polling') {
        // launch() resolves only when polling stops: never awaited here. It rejects when Telegram
        // refuses the polling for good (409: another process polls this bot; 401: a revoked token),
        // after which Telegraf never polls again: said once, and the process is no longer ready.
        polling = telegraf.launch({ allowedUpdates: ['message', 'callback_query'] }).catch((error: unknown) => {
          const reason = error instanceof Error ? error.message : String(error);
          logger.error({ err: error }, `telegram: polling stopped for good: ${reason}`);
          options.onStopped?.(error);
        });
        logger.info({ bot: telegraf.botInfo.username }, 'telegram: long polling');
        return;
      }
      const url = config.TELEGRAM_WEBHOOK_URL;
      const secret = config.TELEGRAM_WEBHOOK_SECRET;
      if (!url || !secret) throw new Error('TELEGRAM_WEBHOOK_URL and TELEGRAM_WEBHOOK_SECRET are required in webhook mode');
      receiver = createWebhookReceiver({
        path: new URL(url).pathname,
        secret,
        logger,
        onUpdate: (update) => telegraf.handleUpdate(update as unknown as Parameters<Telegraf['handleUpdate']>[0]),
      });
      const listening = await receiver.listen(config.TELEGRAM_WEBHOOK_HOST, config.TELEGRAM_WEBHOOK_PORT);
      address = { host: config.TELEGRAM_WEBHOOK_HOST, port: listening.port };
      await telegraf.telegram.setWebhook(url, { secret_token: secret, allowed_updates: ['message', 'callback_query'] });
      logger.info({ bot: telegraf.botInfo.username, port: listening.port }, 'telegram: webhook receiver listening');
    },

    async stop() {
      if (polling) {
        telegraf.stop('shutdown');
        await polling;
        polling = undefined;
      }
      if (receiver) {
        await receiver.close();
        receiver = undefined;
      }
    },

    webhookAddress: () => address,

    async idle() {
      await receiver?.idle();
    },

    inviteLink,
  };
}
