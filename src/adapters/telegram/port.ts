import { ChatDeliveryError, type ChatPort } from '../../bot/port.ts';
import type { BotApi } from './bot-api.ts';
import { toDeliveryError } from './errors.ts';
import { renderView } from './render.ts';

// Notifications, reminders, prompts and live edits as Telegram messages. No waiting out a 429
// here: the caller (a job) gets the wait in ChatDeliveryError.retryAfterMs and retries later,
// instead of holding a worker.

export function createTelegramChatPort(api: BotApi, botId: string, inviteLink: (coachUserId: string) => string | undefined): ChatPort {
  return {
    platform: 'telegram',
    inviteLink,

    async send(to, view) {
      if (to.platform !== 'telegram' || to.scope !== botId) {
        throw new ChatDeliveryError(`recipient is not a user of this Telegram bot (${to.platform}/${to.scope})`, { permanent: true });
      }
      // In a private chat the chat id is the user id, so a user can be reached before any dmChannelId is stored.
      const chatId = to.dmChannelId ?? to.platformUserId;
      try {
        const sent = await api.sendMessage(chatId, renderView(view), false);
        return { platform: 'telegram', channelId: sent.chatId, messageId: String(sent.messageId) };
      } catch (error) {
        throw toDeliveryError(error);
      }
    },

    async edit(message, view) {
      const messageId = Number(message.messageId);
      if (message.platform !== 'telegram' || !Number.isSafeInteger(messageId)) {
        throw new ChatDeliveryError(`not a Telegram message: ${message.platform}/${message.messageId}`, { permanent: true });
      }
      try {
        await api.editMessageText({ chatId: message.channelId, messageId }, renderView(view), false);
      } catch (error) {
        throw toDeliveryError(error);
      }
    },
  };
}
