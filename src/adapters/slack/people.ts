import type { Redis } from 'ioredis';
import type { WebClient } from '@slack/web-api';
import type { ChatUser } from '../../bot/inbound.ts';

// Who sent a delivery, as the bot's ChatUser: the time zone from users.info and the DM channel from
// conversations.open, cached in Redis so a busy user costs Slack one lookup a few times a day.

const CACHE_SECONDS = 6 * 60 * 60;

export interface SlackPeople {
  describe(client: WebClient, teamId: string, userId: string, channel: string | undefined): Promise<ChatUser>;
  /** The user's DM channel with the bot. */
  dmChannel(client: WebClient, teamId: string, userId: string): Promise<string>;
}

/** A DM channel id starts with D; the bot's replies go there when the input came from one. */
export function isDirectChannel(channel: string | undefined): channel is string {
  return !!channel && channel.startsWith('D');
}

export function createSlackPeople(redis: Redis, prefix: string, onLookupFailure: (error: unknown) => void): SlackPeople {
  const key = (teamId: string, userId: string) => `${prefix}slack:user:${teamId}:${userId}`;

  async function dmChannel(client: WebClient, teamId: string, userId: string): Promise<string> {
    const cached = await redis.hget(key(teamId, userId), 'dm');
    if (cached) return cached;
    const opened = await client.conversations.open({ users: userId });
    const channel = opened.channel?.id;
    if (!channel) throw new Error('conversations.open returned no channel');
    await redis.multi().hset(key(teamId, userId), 'dm', channel).expire(key(teamId, userId), CACHE_SECONDS).exec();
    return channel;
  }

  return {
    dmChannel,
    async describe(client, teamId, userId, channel) {
      const cached = await redis.hgetall(key(teamId, userId));
      let timezone = cached.tz;
      let displayName = cached.name;
      if (timezone === undefined) {
        try {
          const info = await client.users.info({ user: userId });
          timezone = info.user?.tz ?? '';
          displayName = info.user?.real_name ?? info.user?.name ?? '';
          await redis.multi().hset(key(teamId, userId), { tz: timezone, name: displayName }).expire(key(teamId, userId), CACHE_SECONDS).exec();
        } catch (error) {
          // The bot still works without the zone (it asks, or shows UTC with the zone named).
          onLookupFailure(error);
        }
      }
      const dm = isDirectChannel(channel) ? channel : cached.dm;
      return {
        platform: 'slack',
        scope: teamId,
        platformUserId: userId,
        ...(displayName ? { displayName } : {}),
        ...(timezone ? { timezone } : {}),
        ...(dm ? { dmChannelId: dm } : {}),
      };
    },
  };
}
