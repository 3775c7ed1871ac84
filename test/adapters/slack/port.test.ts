import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Viewer } from '../../../src/bot/context.ts';
import { drawMemberDetail } from '../../../src/bot/features/members.ts';
import { ChatDeliveryError } from '../../../src/bot/port.ts';
import { createWebClient } from '../../../src/adapters/slack/client.ts';
import { createSlackChatPort } from '../../../src/adapters/slack/port.ts';
import { parseMessageRef } from '../../../src/adapters/slack/refs.ts';
import { describeChatPort } from '../../contracts/chat-port.ts';
import { FakeSlack } from '../../fakes/slack.ts';
import { FUZZ_RUNS, hostileTextArb } from '../../helpers/hostile.ts';

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

describe('Slack ChatPort beyond the contract', () => {
  it('the coach–member conversation is one group DM opened with both users', async () => {
    const fake = await new FakeSlack().start();
    try {
      fake.addUser({ id: 'U0COACH01', tz: 'UTC' });
      fake.addUser({ id: 'U0MEMBER1', tz: 'UTC' });
      const client = createWebClient('xoxb-test', { slackApiUrl: fake.apiUrl, retryConfig: { retries: 0 } });
      const port = createSlackChatPort(async () => client);
      const to = ['U0COACH01', 'U0MEMBER1'].map((id) => ({ platform: 'slack' as const, scope: fake.teamId, platformUserId: id }));
      const ref = await port.sendGroup(to, { summary: 'Your session', blocks: [{ type: 'text', text: 'Say hi' }] });
      expect(fake.callsOf('conversations.open')[0]!.args.users).toBe('U0COACH01,U0MEMBER1');
      expect(parseMessageRef(ref).channel.startsWith('G')).toBe(true);
      await expect(port.sendGroup([to[0]!, { ...to[1]!, scope: 'TOTHER' }], { summary: 'x', blocks: [] })).rejects.toThrow(/one workspace/);
    } finally {
      await fake.stop();
    }
  });

  it('a 500 from Slack is a transient ChatDeliveryError; a 429 on an edit carries its wait', async () => {
    const fake = await new FakeSlack().start();
    try {
      fake.addUser({ id: 'U0MEMBER1', tz: 'UTC' });
      const client = createWebClient('xoxb-test', { slackApiUrl: fake.apiUrl, retryConfig: { retries: 0 } });
      const port = createSlackChatPort(async () => client);
      const to = { platform: 'slack' as const, scope: fake.teamId, platformUserId: 'U0MEMBER1' };
      fake.fail('chat.postMessage', { status: 500 });
      const failed = await port.send(to, { summary: 'x', blocks: [] }).catch((e: unknown) => e);
      expect(failed).toBeInstanceOf(ChatDeliveryError);
      expect((failed as ChatDeliveryError).permanent).toBe(false);
      const ref = await port.send(to, { summary: 'x', blocks: [] });
      fake.fail('chat.update', { status: 429, retryAfterSeconds: 3 });
      const limited = await port.edit(ref, { summary: 'y', blocks: [] }).catch((e: unknown) => e);
      expect((limited as ChatDeliveryError).retryAfterMs).toBe(3000);
      fake.fail('chat.postMessage', { error: 'account_inactive' });
      const gone = await port.send({ ...to, dmChannelId: 'DU0MEMBER1' }, { summary: 'x', blocks: [] }).catch((e: unknown) => e);
      expect((gone as ChatDeliveryError).permanent).toBe(true);
    } finally {
      await fake.stop();
    }
  });
});

describe('Slack message text', () => {
  it('user data in the notification text stays text: no mention, channel ping or link reaches chat.postMessage', async () => {
    const fake = await new FakeSlack().start();
    try {
      fake.addUser({ id: 'U0MEMBER1', tz: 'UTC' });
      const client = createWebClient('xoxb-test', { slackApiUrl: fake.apiUrl, retryConfig: { retries: 0 } });
      const port = createSlackChatPort(async () => client);
      const to = { platform: 'slack' as const, scope: fake.teamId, platformUserId: 'U0MEMBER1' };
      const now = new Date('2030-01-07T09:00:00Z');
      const viewer = { zone: 'UTC', now, act: (verb: string) => `${verb}.x.zz.0000000000000000` } as unknown as Viewer;
      // Names come out of PostgreSQL, which holds no NUL and no lone surrogate.
      const storable = hostileTextArb.filter((s) => !/\p{Cs}/u.test(s) && !s.includes('\u0000'));
      const hostileName = fc.oneof(storable, fc.constantFrom('<!channel> <https://evil.test|click>', '<@U0ADMIN01> <#C0GENERAL|general> <!here>'));
      await fc.assert(
        fc.asyncProperty(hostileName, async (name) => {
          // The member's name is the summary of their card, so it is the notification text.
          const view = drawMemberDetail(viewer, { id: randomUUID(), membershipStatus: 'active', onboardingStatus: 'completed', goals: name, coachNotes: null, user: { name: name || 'x', timezone: 'UTC' } }, []);
          const from = fake.calls.length;
          await port.send(to, view);
          const posted = fake.calls.slice(from).find((c) => c.method === 'chat.postMessage')!;
          expect(String(posted.args.text)).not.toMatch(/<[!@#]|<http/);
        }),
        { numRuns: FUZZ_RUNS },
      );
    } finally {
      await fake.stop();
    }
  });
});
