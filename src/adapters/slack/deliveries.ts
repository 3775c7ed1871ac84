import type { Redis } from 'ioredis';

// Slack redelivers an event it thinks we missed (X-Slack-Retry-Num) and several bot processes may
// serve one app, so "seen" lives in Redis, shared by all of them, never in process memory.

/** Slack retries an event for about five minutes; a day is comfortably past any redelivery. */
const SEEN_FOR_SECONDS = 24 * 60 * 60;

export interface DeliveryLedger {
  /** True the first time a delivery key is claimed, false for every redelivery. */
  claim(teamId: string, key: string): Promise<boolean>;
}

export function createDeliveryLedger(redis: Redis, prefix: string): DeliveryLedger {
  return {
    async claim(teamId, key) {
      const set = await redis.set(`${prefix}slack:seen:${teamId}:${key}`, '1', 'EX', SEEN_FOR_SECONDS, 'NX');
      return set === 'OK';
    },
  };
}
