import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { App, LogLevel } from '@slack/bolt';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { createSlackAdapter } from '../src/adapters/slack/index.ts';
import { benchBot } from './bot.ts';

// The apps under test, in a process of their own (forked by bench/slack.ts), so the load generator
// and the fake Slack API do not share their event loop: as in production, Slack is elsewhere.
// IPC: 'users' -> {users, clicks}; {apiUrl, secret, botId, botUserId} -> {bare, ours}; 'idle'; 'stop'.

interface Start {
  apiUrl: string;
  secret: string;
  botId: string;
  botUserId: string;
}

// The fake's workspace (test/fakes/slack.ts) and user ids it knows.
const bench = await benchBot({ platform: 'slack', scope: 'T0000TEST', platformUserId: (i) => `U${String(i).padStart(8, '0')}` });
process.once('message', () => {
  process.send!({ users: bench.users, clicks: bench.clicks });
  process.once('message', (start: Start) => void serve(start));
});

async function serve(start: Start): Promise<void> {
  const bare = new App({
    signingSecret: start.secret,
    token: 'xoxb-bench',
    botId: start.botId,
    botUserId: start.botUserId,
    logLevel: LogLevel.ERROR,
    clientOptions: { slackApiUrl: start.apiUrl },
  });
  bare.action({ type: 'block_actions' }, async ({ ack }) => ack());
  const bareServer = (await bare.start({ port: 0, host: '127.0.0.1' })) as unknown as { address(): AddressInfo };

  const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  const keyPrefix = `bench:slack:${process.pid}:${randomBytes(4).toString('hex')}:`;
  const adapter = createSlackAdapter({
    settings: { signingSecret: start.secret, botToken: 'xoxb-bench', host: '127.0.0.1', port: 0 },
    bot: bench.bot,
    redis,
    logger: pino({ level: 'silent' }),
    clientOptions: { slackApiUrl: start.apiUrl, retryConfig: { retries: 0 } },
    keyPrefix,
  });
  const ours = (await adapter.start()).port!;

  process.on('message', async (msg: string) => {
    if (msg === 'idle') {
      await adapter.idle();
      process.send!('idle');
    } else if (msg === 'stop') {
      await adapter.stop();
      await bare.stop();
      const keys = await redis.keys(`${keyPrefix}*`);
      if (keys.length) await redis.del(...keys);
      redis.disconnect();
      await bench.close();
      process.send!('stopped', () => process.exit(0));
    }
  });
  process.send!({ bare: bareServer.address().port, ours });
}
