import type { Telegram } from 'telegraf';
import { isNotModified, retryAfterMs } from './errors.ts';
import type { Pacing } from './pacing.ts';
import type { TelegramMessage } from './render.ts';

// Every Bot API call the adapter makes goes through here: sends are paced per chat and overall,
// a 429 is waited out for as long as Telegram asks (retry_after), a bounded number of times, and
// each request is given up after CALL_TIMEOUT_MS, so a Telegram that does not answer holds no one.

/** How long one Bot API request may take before it is given up (an AbortSignal on the request). */
export const CALL_TIMEOUT_MS = 5_000;
type CallOptions = NonNullable<Parameters<Telegram['callApi']>[2]>;

export interface BotApiOptions {
  pacing: Pacing;
  /** How to wait; tests inject one that records the wait instead of sleeping. */
  sleep: (ms: number) => Promise<void>;
  /** 429 answers waited out per call before the error is passed on. */
  maxRateLimitRetries: number;
  /** How long one request may take (CALL_TIMEOUT_MS unless a test shortens it). */
  callTimeoutMs?: number;
}

export interface SentRef {
  chatId: string;
  messageId: number;
}

export function createBotApi(telegram: Telegram, { pacing, sleep, maxRateLimitRetries, callTimeoutMs = CALL_TIMEOUT_MS }: BotApiOptions) {
  // Telegraf types its signal as the abort-controller package's; its fetch takes Node's own.
  const bounded = (): CallOptions => ({ signal: AbortSignal.timeout(callTimeoutMs) as unknown as CallOptions['signal'] });

  async function withRetries<T>(call: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await call();
      } catch (error) {
        const wait = retryAfterMs(error);
        if (wait === undefined || attempt >= maxRateLimitRetries) throw error;
        await sleep(wait);
      }
    }
  }

  async function paced(chatId: string): Promise<void> {
    const wait = await pacing.reserve(chatId);
    if (wait > 0) await sleep(wait);
  }

  return {
    async sendMessage(chatId: string, message: TelegramMessage, retry = true): Promise<SentRef> {
      await paced(chatId);
      const send = () =>
        telegram.callApi(
          'sendMessage',
          { chat_id: chatId, text: message.text, entities: message.entities, reply_markup: message.reply_markup, link_preview_options: { is_disabled: true } },
          bounded(),
        );
      const sent = retry ? await withRetries(send) : await send();
      return { chatId: String(sent.chat.id), messageId: sent.message_id };
    },

    async editMessageText(ref: SentRef, message: TelegramMessage, retry = true): Promise<void> {
      const edit = () =>
        telegram.callApi(
          'editMessageText',
          { chat_id: ref.chatId, message_id: ref.messageId, text: message.text, entities: message.entities, reply_markup: message.reply_markup, link_preview_options: { is_disabled: true } },
          bounded(),
        );
      try {
        await (retry ? withRetries(edit) : edit());
      } catch (error) {
        if (!isNotModified(error)) throw error;
      }
    },

    /** Takes the buttons off a message (an answered form prompt), so they cannot be used again. */
    async removeKeyboard(ref: SentRef): Promise<void> {
      try {
        await withRetries(() => telegram.callApi('editMessageReplyMarkup', { chat_id: ref.chatId, message_id: ref.messageId, reply_markup: { inline_keyboard: [] } }, bounded()));
      } catch (error) {
        if (!isNotModified(error)) throw error;
      }
    },

    async answerCallbackQuery(callbackQueryId: string, text?: string): Promise<void> {
      await withRetries(() => telegram.callApi('answerCallbackQuery', { callback_query_id: callbackQueryId, ...(text === undefined ? {} : { text }) }, bounded()));
    },
  };
}

export type BotApi = ReturnType<typeof createBotApi>;
