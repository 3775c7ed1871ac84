import type { Redis } from 'ioredis';

// Telegram re-sends an update it got no 2xx for, and a bot process restarted mid-poll may fetch
// one again; Telegraf does not de-duplicate. The first process to claim an update id handles it.
// Kept in Redis, not process memory, so any number of bot processes share it.

/** Telegram keeps an undelivered update for 24 hours, so a claim never needs to outlive that. */
const CLAIM_TTL_SECONDS = 24 * 60 * 60;

export interface UpdatesSeen {
  /** True for the first claim of this update id, false for every redelivery. */
  claim(updateId: number): Promise<boolean>;
}

/**
 * While Redis cannot be reached the update is handled all the same (and `unavailable` told): the
 * bot's own claim of the delivery in PostgreSQL (the update id is its delivery id) still answers a
 * redelivery once, and an update dropped for want of Redis would leave the person unanswered.
 */
export function createUpdatesSeen(redis: Redis, keyPrefix: string, unavailable: (error: unknown) => void = () => undefined): UpdatesSeen {
  return {
    async claim(updateId) {
      try {
        const set = await redis.set(`${keyPrefix}:update:${updateId}`, '1', 'EX', CLAIM_TTL_SECONDS, 'NX');
        return set === 'OK';
      } catch (error) {
        unavailable(error);
        return true;
      }
    },
  };
}
