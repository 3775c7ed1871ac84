import { DiscordAPIError, HTTPError, RateLimitError, type REST } from '@discordjs/rest';
import { ChannelType, Routes, type APIChannel, type APIMessage } from 'discord-api-types/v10';
import { ChatDeliveryError, type ChatPort, type Recipient } from '../../bot/port.ts';
import type { MessageRef } from '../../bot/inbound.ts';
import type { View } from '../../bot/view.ts';
import { clip, renderMessage } from './render.ts';

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

/** `conversationChannelId`: the server channel under which coach–member private threads are opened. */
export function createDiscordPort(rest: REST, conversationChannelId?: string): ChatPort {
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
    async openConversation(members: Recipient[], view: View): Promise<MessageRef> {
      if (!conversationChannelId) throw new ChatDeliveryError('discord: no conversation channel configured (DISCORD_CONVERSATION_CHANNEL_ID)', { permanent: true });
      try {
        // A private thread: only the people added (and moderators) see it; members cannot invite others.
        const thread = (await rest.post(Routes.threads(conversationChannelId), {
          body: { name: clip(view.summary || 'Coaching', 100), type: ChannelType.PrivateThread, invitable: false, auto_archive_duration: 10080 },
        })) as APIChannel;
        for (const member of members) await rest.put(Routes.threadMembers(thread.id, member.platformUserId));
        const message = (await rest.post(Routes.channelMessages(thread.id), { body: renderMessage(view) })) as APIMessage;
        return { platform: 'discord', channelId: thread.id, messageId: message.id };
      } catch (error) {
        throw deliveryError(error);
      }
    },
  };
}
