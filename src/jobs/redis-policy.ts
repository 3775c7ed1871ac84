import type { Redis } from 'ioredis';
import type { Logger } from 'pino';

/**
 * BullMQ needs Redis to keep every key it writes: with an eviction policy other than `noeviction`,
 * Redis under memory pressure silently drops jobs. Says so loudly at start; returns the policy.
 */
export async function checkEvictionPolicy(redis: Redis, logger: Pick<Logger, 'warn'>): Promise<string | undefined> {
  let policy: string | undefined;
  try {
    const answer = (await redis.config('GET', 'maxmemory-policy')) as string[];
    policy = answer[1];
  } catch (error) {
    // Managed Redis often disables CONFIG; then the operator must check it themselves.
    logger.warn({ err: error }, 'could not read Redis maxmemory-policy; make sure it is "noeviction", as BullMQ requires');
    return undefined;
  }
  if (policy !== 'noeviction') {
    logger.warn(
      { maxmemoryPolicy: policy },
      `Redis maxmemory-policy is "${policy}", not "noeviction": under memory pressure Redis may evict queued jobs. ` +
        'Set maxmemory-policy noeviction (the reconciler restores lost jobs from PostgreSQL, but late).',
    );
  }
  return policy;
}
