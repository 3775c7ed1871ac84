import type { WebClient } from '@slack/web-api';
import type { MessageRef } from '../../bot/inbound.ts';
import type { ChatPort, Recipient } from '../../bot/port.ts';
import type { View } from '../../bot/view.ts';
import { renderMessage } from './render.ts';
import { toChatDeliveryError } from './errors.ts';
import { messageRef, parseMessageRef } from './refs.ts';

// The ChatPort for Slack: direct messages (conversations.open, then chat.postMessage), group DMs of
// several users, and in-place edits (chat.update). Every failure is a ChatDeliveryError.

/** The Web API client acting for one workspace (its bot token). */
export type WorkspaceClients = (teamId: string) => Promise<WebClient>;

export interface SlackChatPort extends ChatPort {
  /** A message to a group DM of several users of one workspace (the coach–member conversation). */
  sendGroup(to: Recipient[], view: View): Promise<MessageRef>;
}

export function createSlackChatPort(clients: WorkspaceClients): SlackChatPort {
  async function call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      throw toChatDeliveryError(error, what);
    }
  }

  async function open(client: WebClient, users: string[]): Promise<string> {
    const opened = await call('conversations.open', () => client.conversations.open({ users: users.join(',') }));
    const id = opened.channel?.id;
    if (!id) throw toChatDeliveryError(new Error('conversations.open returned no channel'), 'conversations.open');
    return id;
  }

  async function post(teamId: string, client: WebClient, channel: string, view: View): Promise<MessageRef> {
    const posted = await call('chat.postMessage', () => client.chat.postMessage({ channel, ...renderMessage(view) }));
    if (!posted.ts) throw toChatDeliveryError(new Error('chat.postMessage returned no ts'), 'chat.postMessage');
    return messageRef(teamId, posted.channel ?? channel, posted.ts);
  }

  return {
    platform: 'slack',

    async send(to, view) {
      const client = await call('workspace lookup', () => clients(to.scope));
      const channel = to.dmChannelId ?? (await open(client, [to.platformUserId]));
      return post(to.scope, client, channel, view);
    },

    async sendGroup(to, view) {
      const teams = new Set(to.map((r) => r.scope));
      const teamId = to[0]?.scope;
      if (!teamId || teams.size !== 1) throw new Error('a Slack group DM needs users of one workspace');
      const client = await call('workspace lookup', () => clients(teamId));
      const channel = await open(client, to.map((r) => r.platformUserId));
      return post(teamId, client, channel, view);
    },

    async edit(message, view) {
      const { teamId, channel, ts } = parseMessageRef(message);
      const client = await call('workspace lookup', () => clients(teamId));
      await call('chat.update', () => client.chat.update({ channel, ts, ...renderMessage(view) }));
    },
  };
}
