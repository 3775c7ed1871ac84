import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { pino, type Logger } from 'pino';
import { createTelegramAdapter, type ChatBot, type TelegramAdapter, type TelegramConfig } from '../../../src/adapters/telegram/index.ts';
import type { PacingOptions } from '../../../src/adapters/telegram/pacing.ts';
import { startFakeTelegram, type FakeTelegram } from '../../fakes/telegram.ts';

// The Telegram adapter as deployed: Telegraf against the fake Bot API on a loopback port, its own
// webhook receiver on another, Redis keys under a prefix of this test's own.

export const WEBHOOK_SECRET = 'test_webhook_secret_0123456789';
export const WEBHOOK_URL = 'https://bot.example.test/telegram/webhook';

export interface TelegramHarness {
  fake: FakeTelegram;
  adapter: TelegramAdapter;
  redis: Redis;
  keyPrefix: string;
  /** Waits asked for, in order (retry_after and pacing); nothing really sleeps. */
  waits: number[];
  post(update: unknown, options?: { secret?: string | null; body?: string; contentType?: string }): Promise<Response>;
  /** Posts an update and waits until the adapter has handled it. */
  deliver(update: unknown): Promise<void>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  bot: ChatBot;
  mode?: TelegramConfig['TELEGRAM_MODE'];
  pacing?: PacingOptions;
  now?: () => number;
  logger?: Logger;
  /** How long one Bot API request may take (the adapter's default unless given). */
  callTimeoutMs?: number;
}

export async function startTelegramHarness({ bot, mode = 'webhook', pacing = { perChatMs: 0, overallMs: 0 }, now, logger, callTimeoutMs }: HarnessOptions): Promise<TelegramHarness> {
  const fake = await startFakeTelegram();
  const redis = new Redis(process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: 1 });
  const keyPrefix = `test:telegram:${process.pid}:${randomBytes(4).toString('hex')}`;
  const waits: number[] = [];
  const adapter = createTelegramAdapter({
    config: {
      TELEGRAM_BOT_TOKEN: fake.token,
      TELEGRAM_MODE: mode,
      TELEGRAM_WEBHOOK_URL: WEBHOOK_URL,
      TELEGRAM_WEBHOOK_SECRET: WEBHOOK_SECRET,
      TELEGRAM_WEBHOOK_HOST: '127.0.0.1',
      TELEGRAM_WEBHOOK_PORT: 0,
      TELEGRAM_API_ROOT: fake.apiRoot,
      TELEGRAM_INVITE_SECRET: undefined,
    },
    bot,
    redis,
    logger: logger ?? pino({ level: 'silent' }),
    keyPrefix,
    pacing,
    sleep: async (ms) => void waits.push(ms),
    ...(now ? { now } : {}),
    ...(callTimeoutMs ? { callTimeoutMs } : {}),
  });
  await adapter.start();

  async function post(update: unknown, options: { secret?: string | null; body?: string; contentType?: string } = {}): Promise<Response> {
    const address = adapter.webhookAddress();
    if (!address) throw new Error('no webhook receiver (polling mode?)');
    const secret = options.secret === undefined ? WEBHOOK_SECRET : options.secret;
    return fetch(`http://${address.host}:${address.port}${new URL(WEBHOOK_URL).pathname}`, {
      method: 'POST',
      headers: { 'content-type': options.contentType ?? 'application/json', ...(secret === null ? {} : { 'x-telegram-bot-api-secret-token': secret }) },
      body: options.body ?? JSON.stringify(update),
    });
  }

  return {
    fake,
    adapter,
    redis,
    keyPrefix,
    waits,
    post,
    async deliver(update) {
      const res = await post(update);
      if (res.status !== 200) throw new Error(`webhook answered ${res.status}: ${await res.text()}`);
      await adapter.idle();
    },
    async close() {
      await adapter.stop();
      await fake.close();
      const keys = await redis.keys(`${keyPrefix}:*`);
      if (keys.length) await redis.del(...keys);
      await redis.quit();
    },
  };
}

let nextUpdateId = 1000;
let nextCallbackId = 1;

export interface TelegramPerson {
  id: number;
  first_name: string;
  last_name?: string;
}

export function messageUpdate(from: TelegramPerson, text: string, options: { updateId?: number; chat?: { id: number; type: string } } = {}) {
  const updateId = options.updateId ?? nextUpdateId++;
  return {
    update_id: updateId,
    message: {
      message_id: updateId,
      date: 1_900_000_000,
      from: { ...from, is_bot: false },
      chat: options.chat ?? { id: from.id, type: 'private', first_name: from.first_name },
      text,
      ...(text.startsWith('/') ? { entities: [{ type: 'bot_command', offset: 0, length: text.split(' ')[0]!.length }] } : {}),
    },
  };
}

export function callbackUpdate(from: TelegramPerson, data: string, messageId: number, options: { updateId?: number } = {}) {
  return {
    update_id: options.updateId ?? nextUpdateId++,
    callback_query: {
      id: `cq${nextCallbackId++}`,
      from: { ...from, is_bot: false },
      chat_instance: '1',
      data,
      message: { message_id: messageId, date: 1_900_000_000, chat: { id: from.id, type: 'private', first_name: from.first_name }, text: '…' },
    },
  };
}
