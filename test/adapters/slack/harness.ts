import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { createSlackAdapter, type SlackAdapter, type SlackAdapterDeps, type SlackBot } from '../../../src/adapters/slack/index.ts';
import { FakeSlack } from '../../fakes/slack.ts';
import { sendToSlackApp, type SendOptions, type SignedRequest } from '../../fakes/slack-requests.ts';

// The Slack adapter started for real on a loopback port, its Web API calls going to a local fake
// (SLACK_API_URL's setting),
// its Redis keys under a prefix of its own (Redis is shared with other test runs).

export const SIGNING_SECRET = 'test-signing-secret-0123456789';

export interface SlackAppHarness {
  fake: FakeSlack;
  adapter: SlackAdapter;
  redis: Redis;
  url: string;
  teamId: string;
  send(request: SignedRequest, options?: Partial<SendOptions>): Promise<{ status: number; body: string }>;
  close(): Promise<void>;
}

export async function startSlackApp(bot: SlackBot, overrides: Partial<SlackAdapterDeps> = {}, fake?: FakeSlack): Promise<SlackAppHarness> {
  const slack = fake ?? (await new FakeSlack().start());
  const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  const keyPrefix = `test:slack:${process.pid}:${randomBytes(4).toString('hex')}:`;
  const { settings = { signingSecret: SIGNING_SECRET, botToken: 'xoxb-test-token', host: '127.0.0.1', port: 0 }, ...rest } = overrides;
  const adapter = createSlackAdapter({
    settings: { apiUrl: slack.apiUrl, ...settings },
    bot,
    redis,
    logger: pino({ level: 'silent' }),
    clientOptions: { retryConfig: { retries: 0 } },
    keyPrefix,
    ...rest,
  });
  const { port } = await adapter.start();
  const url = `http://127.0.0.1:${port}/slack/events`;
  return {
    fake: slack,
    adapter,
    redis,
    url,
    teamId: slack.teamId,
    send: (request, options) => sendToSlackApp(url, request, { secret: SIGNING_SECRET, ...options }),
    async close() {
      await adapter.stop();
      const keys = await redis.keys(`${keyPrefix}*`);
      if (keys.length) await redis.del(...keys);
      redis.disconnect();
      if (!fake) await slack.stop();
    },
  };
}
