import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { MessageRef, View } from '../../bot/index.ts';

// The playground's chat history lives in Redis, and every change is published there, so that any
// process can add to or edit a conversation and every browser watching it hears about it.

const KEEP_MESSAGES = 60;
const KEEP_FOR_SECONDS = 7 * 24 * 60 * 60;

export interface StoredMessage {
  id: string;
  view: View;
  /** Raised on every edit, so a browser can tell it is showing the latest. */
  version: number;
}

export type PlaygroundEvent = { type: 'message'; message: StoredMessage } | { type: 'notice'; text: string };

export class PlaygroundStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  private keys(chatId: string) {
    return { order: `${this.prefix}order:${chatId}`, messages: `${this.prefix}messages:${chatId}` };
  }

  channel(chatId: string): string {
    return `${this.prefix}events:${chatId}`;
  }

  async append(chatId: string, view: View): Promise<MessageRef> {
    const message: StoredMessage = { id: randomUUID(), view, version: 1 };
    const k = this.keys(chatId);
    const dropped = await this.redis
      .multi()
      .hset(k.messages, message.id, JSON.stringify(message))
      .rpush(k.order, message.id)
      .lrange(k.order, 0, -KEEP_MESSAGES - 1)
      .ltrim(k.order, -KEEP_MESSAGES, -1)
      .expire(k.order, KEEP_FOR_SECONDS)
      .expire(k.messages, KEEP_FOR_SECONDS)
      .exec();
    const old = (dropped?.[2]?.[1] as string[] | undefined) ?? [];
    if (old.length) await this.redis.hdel(k.messages, ...old);
    await this.publish(chatId, { type: 'message', message });
    return { platform: 'web', channelId: chatId, messageId: message.id };
  }

  /** Replaces a message in place; false when it is gone (trimmed or never there). */
  async replace(ref: MessageRef, view: View): Promise<boolean> {
    const k = this.keys(ref.channelId);
    const raw = await this.redis.hget(k.messages, ref.messageId);
    if (!raw) return false;
    const message: StoredMessage = { id: ref.messageId, view, version: (JSON.parse(raw) as StoredMessage).version + 1 };
    await this.redis.hset(k.messages, ref.messageId, JSON.stringify(message));
    await this.publish(ref.channelId, { type: 'message', message });
    return true;
  }

  async list(chatId: string): Promise<StoredMessage[]> {
    const k = this.keys(chatId);
    const ids = await this.redis.lrange(k.order, 0, -1);
    if (ids.length === 0) return [];
    const raws = await this.redis.hmget(k.messages, ...ids);
    return raws.filter((r): r is string => r !== null).map((r) => JSON.parse(r) as StoredMessage);
  }

  async publish(chatId: string, event: PlaygroundEvent): Promise<void> {
    await this.redis.publish(this.channel(chatId), JSON.stringify(event));
  }
}
