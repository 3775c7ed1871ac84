import { once } from 'node:events';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { createUpdatesSeen } from '../../../src/adapters/telegram/updates-seen.ts';
import { REDIS_URL } from '../../api/harness.ts';
import { startRedisServer } from '../../helpers/redis-server.ts';

// An update is claimed in Redis so that one process handles it; while Redis cannot be reached it
// is handled anyway (the bot's claim in PostgreSQL still answers a redelivery once) rather than
// dropped, which would leave the person who wrote unanswered.

const live = new Redis(REDIS_URL);
afterAll(() => live.quit());

describe('Telegram update claims', () => {
  it('claim an update id once', async () => {
    const seen = createUpdatesSeen(live, `coachbot:test:${process.pid}:${Date.now()}:telegram`);
    expect(await seen.claim(7)).toBe(true);
    expect(await seen.claim(7)).toBe(false);
  });

  it('let the update through, and say so, while Redis is unreachable', async () => {
    const server = await startRedisServer();
    const gone = new Redis(server.url, { enableOfflineQueue: false, maxRetriesPerRequest: 1, lazyConnect: true });
    await gone.connect();
    const closed = once(gone, 'close');
    await server.stop();
    await closed;
    const told: unknown[] = [];
    const seen = createUpdatesSeen(gone, 'coachbot:test:telegram', (error) => told.push(error));
    expect(await seen.claim(8)).toBe(true);
    expect(told).toHaveLength(1);
    gone.disconnect();
  });
});
