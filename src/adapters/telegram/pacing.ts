import type { Redis } from 'ioredis';

// Telegram asks for at most about one message per second per chat and thirty per second overall,
// across every process of the bot. Each send reserves the next free moment of its chat and of the
// bot in Redis (one script, so concurrent senders never take the same moment) and waits for it.

const RESERVE = `
local now = tonumber(ARGV[1])
local wait = 0
for _, key in ipairs(KEYS) do
  local free = tonumber(redis.call('GET', key) or '0')
  local at = math.max(now, free)
  if at - now > wait then wait = at - now end
end
for i, key in ipairs(KEYS) do
  local interval = tonumber(ARGV[i + 1])
  if interval > 0 then redis.call('SET', key, now + wait + interval, 'PX', wait + interval + 1000) end
end
return wait
`;

export interface PacingOptions {
  /** Minimum gap between two messages to one chat, in ms (Telegram: about 1000). */
  perChatMs: number;
  /** Minimum gap between two messages of the bot, in ms (Telegram: about 34, i.e. 30 per second). */
  overallMs: number;
}

export interface Pacing {
  /** How long to wait before sending to `chatId`; the moment is reserved once this resolves. */
  reserve(chatId: string): Promise<number>;
}

export function createPacing(redis: Redis, keyPrefix: string, options: PacingOptions, now: () => number): Pacing {
  return {
    async reserve(chatId) {
      if (options.perChatMs <= 0 && options.overallMs <= 0) return 0;
      const keys = [`${keyPrefix}:pace:chat:${chatId}`, `${keyPrefix}:pace:all`];
      const wait = await redis.eval(RESERVE, keys.length, ...keys, now(), options.perChatMs, options.overallMs);
      return Number(wait);
    },
  };
}
