import { createWebClient } from '../../../src/adapters/slack/client.ts';
import { createSlackChatPort } from '../../../src/adapters/slack/port.ts';
import { parseMessageRef } from '../../../src/adapters/slack/refs.ts';
import { describeChatPort } from '../../contracts/chat-port.ts';
import { FakeSlack } from '../../fakes/slack.ts';

describeChatPort('slack', async () => {
  const fake = await new FakeSlack().start();
  fake.addUser({ id: 'U0MEMBER1', tz: 'Europe/Berlin' });
  const client = createWebClient('xoxb-test', { slackApiUrl: fake.apiUrl, retryConfig: { retries: 0 } });
  const port = createSlackChatPort(async () => client);
  return {
    port,
    recipient: { platform: 'slack', scope: fake.teamId, platformUserId: 'U0MEMBER1' },
    unreachable: { platform: 'slack', scope: fake.teamId, platformUserId: 'U0GONE404' },
    async read(ref) {
      const { channel, ts } = parseMessageRef(ref);
      return JSON.stringify(fake.message(channel, ts) ?? {});
    },
    rateLimitNext(seconds) {
      fake.fail('conversations.open', { status: 429, retryAfterSeconds: seconds });
    },
    close: () => fake.stop(),
  };
});
