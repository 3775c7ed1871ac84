import { DiscordAPIError, HTTPError, RateLimitError, type REST } from '@discordjs/rest';
import { Routes, type APIChannel, type APIMessage } from 'discord-api-types/v10';
import { ChatDeliveryError, type ChatPort, type Recipient } from '../../bot/port.ts';
import type { MessageRef } from '../../bot/inbound.ts';
import type { View } from '../../bot/view.ts';
import { renderMessage } from './render.ts';

// Direct messages and in-place edits for notifications, reminders and live slot pickers.

/** Discord error codes after which trying again cannot help. */
const PERMANENT_CODES = new Set([
  10003, // unknown channel
  10008, // unknown message
  10013, // unknown user
  50001, // missing access
  50007, // cannot send messages to this user (DMs closed, bot blocked)
  50013, // missing permissions
  50005, // cannot edit a message authored by another user
]);

export function deliveryError(error: unknown): ChatDeliveryError {
  if (error instanceof RateLimitError) {
    return new ChatDeliveryError('discord: rate limited', { permanent: false, retryAfterMs: Math.max(0, error.retryAfter), cause: error });
  }
  if (error instanceof DiscordAPIError) {
    const permanent = PERMANENT_CODES.has(Number(error.code)) || (error.status >= 400 && error.status < 500 && error.status !== 429);
    return new ChatDeliveryError(`discord: ${error.code} ${error.message}`, { permanent, cause: error });
  }
  if (error instanceof HTTPError) return new ChatDeliveryError(`discord: HTTP ${error.status}`, { permanent: false, cause: error });
  return new ChatDeliveryError(`discord: ${error instanceof Error ? error.message : String(error)}`, { permanent: false, cause: error });
}

export function createDiscordPort(rest: REST): ChatPort {
  async function dmChannel(to: Recipient): Promise<string> {
    if (to.dmChannelId) return to.dmChannelId;
    const channel = (await rest.post(Routes.userChannels(), { body: { recipient_id: to.platformUserId } })) as APIChannel;
    return channel.id;
  }
  return {
    platform: 'discord',
    async send(to: Recipient, view: View): Promise<MessageRef> {
      try {
        const channelId = await dmChannel(to);
        const message = (await rest.post(Routes.channelMessages(channelId), { body: renderMessage(view) })) as APIMessage;
        return { platform: 'discord', channelId, messageId: message.id };
      } catch (error) {
        throw deliveryError(error);
      }
    },
    async edit(message: MessageRef, view: View): Promise<void> {
      try {
        await rest.patch(Routes.channelMessage(message.channelId, message.messageId), { body: renderMessage(view) });
      } catch (error) {
        throw deliveryError(error);
      }
    },
  };
}
