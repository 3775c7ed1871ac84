import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../chaos/services.ts';
import { messageUpdate, WEBHOOK_SECRET, WEBHOOK_URL } from '../adapters/telegram/harness.ts';
import { FakeDiscord } from '../fakes/discord.ts';
import { startFakeTelegram } from '../fakes/telegram.ts';
import { cloneTemplate, dropDatabase, withAdmin } from '../helpers/postgres.ts';
import { startRedisServer } from '../helpers/redis-server.ts';
import { FROM_SOURCE, serviceEnv, startService, SPAWNING } from './process.ts';

// Every key the service writes in Redis starts with its REDIS_PREFIX (README, "One Redis, many
// deployments"). A process of every role runs on a Redis of this test's own, so that every key in it
// is the process's: the job queues and schedulers, rate limits, the playground's history, Telegram's
// update claims and pacing, Discord's interaction claims. Then SCAN lists them all. (Slack's
// adapter cannot be pointed at a fake from the environment; its keys are named like Discord's.)

const { name, url } = await cloneTemplate();
const redisServer = await startRedisServer();
const telegram = await startFakeTelegram();
const discord = await new FakeDiscord().start();
const webhookPort = await freePort();
const service = startService(
  [...FROM_SOURCE, '--role', 'all'],
  serviceEnv({
    DATABASE_URL: url,
    REDIS_URL: redisServer.url,
    TELEGRAM_BOT_TOKEN: telegram.token,
    TELEGRAM_MODE: 'webhook',
    TELEGRAM_WEBHOOK_URL: WEBHOOK_URL,
    TELEGRAM_WEBHOOK_SECRET: WEBHOOK_SECRET,
    TELEGRAM_WEBHOOK_HOST: '127.0.0.1',
    TELEGRAM_WEBHOOK_PORT: String(webhookPort),
    TELEGRAM_API_ROOT: telegram.apiRoot,
    DISCORD_APPLICATION_ID: discord.applicationId,
    DISCORD_PUBLIC_KEY: discord.keys.publicKeyHex,
    DISCORD_BOT_TOKEN: 'fake-bot-token',
    DISCORD_MODE: 'http',
    DISCORD_API_BASE: discord.apiBase,
  }),
);
afterAll(async () => {
  if (service.child.exitCode === null && service.child.signalCode === null) {
    service.child.kill('SIGKILL');
    await service.exited;
  }
  await telegram.close();
  await discord.stop();
  await redisServer.stop();
  await withAdmin((client) => dropDatabase(client, name));
}, SPAWNING.timeout);

/** Every key in the Redis, by SCAN (KEYS would block a shared server; this one is ours anyway). */
async function allKeys(redis: Redis): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'COUNT', 1000);
    keys.push(...batch);
    cursor = next;
  } while (cursor !== '0');
  return keys.sort();
}

describe('Redis keys of a process', SPAWNING, () => {
  it('all start with REDIS_PREFIX, by default coachbot:<database name>:, whichever part wrote them', async () => {
    const base = `http://127.0.0.1:${await service.ready}`;
    await service.logged((l) => l.msg === 'workers running');

    // Rate limits: every request is counted, a route that does not exist too.
    expect((await fetch(`${base}/no-such-route`)).status).toBe(404);
    // The playground's history: a visitor asks for help and the answer is stored.
    const { chatId } = (await (await fetch(`${base}/playground/api/chats`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).json()) as { chatId: string };
    const said = await fetch(`${base}/playground/api/chats/${chatId}/inputs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ kind: 'say', deliveryId: 'keys-1', text: '/help' }),
    });
    expect(said.status).toBe(200);
    // Telegram: an update is claimed, and the answer is paced.
    const posted = await fetch(`http://127.0.0.1:${webhookPort}${new URL(WEBHOOK_URL).pathname}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': WEBHOOK_SECRET },
      body: JSON.stringify(messageUpdate({ id: 4242, first_name: 'Keys' }, '/help')),
    });
    expect(posted.status).toBe(200);
    await telegram.waitFor('sendMessage', 1);
    // Discord: a signed slash command, claimed by its interaction id.
    const command = { id: '700000000000000001', application_id: discord.applicationId, type: 2, token: 'tok-keys', channel_id: '500000000000000001', user: { id: '400000000000000001', username: 'keys' }, data: { name: 'help', type: 1 } };
    const signed = discord.sign(command);
    expect((await fetch(`${base}/discord/interactions`, { method: 'POST', headers: signed.headers, body: signed.body })).status).toBe(200);

    service.child.kill('SIGTERM');
    expect(await service.exited).toEqual({ code: 0, signal: null });

    const redis = new Redis(redisServer.url);
    try {
      const keys = await allKeys(redis);
      const prefix = `coachbot:${name}:`;
      expect(keys.filter((k) => !k.startsWith(prefix))).toEqual([]);
      for (const part of ['bull:notifications:', 'bull:schedules:', 'api:ratelimit:', 'playground:', 'telegram:', 'discord:']) {
        expect(keys.some((k) => k.startsWith(`${prefix}${part}`)), `a key under ${prefix}${part} in ${JSON.stringify(keys)}`).toBe(true);
      }
    } finally {
      await redis.quit();
    }
  });
});
