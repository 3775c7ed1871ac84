import { REST } from '@discordjs/rest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { discordRest } from '../../../src/adapters/discord/index.ts';
import { createDiscordPort } from '../../../src/adapters/discord/port.ts';
import { ChatDeliveryError, type ChatPort } from '../../../src/bot/port.ts';
import { FakeDiscord } from '../../fakes/discord.ts';

const view = (text: string) => ({ summary: text, blocks: [{ type: 'text' as const, text }] });

describe('Discord ChatPort', () => {
  let fake: FakeDiscord;
  let port: ChatPort;
  let rest: REST;
  beforeAll(async () => {
    fake = await new FakeDiscord().start();
    rest = new REST({ api: fake.apiBase, version: '10', retries: 0, rejectOnRateLimit: ['/channels', '/users/@me/channels'] }).setToken('test-token');
    port = createDiscordPort(rest, '600000000000000001');
  });
  afterAll(() => fake.stop());

  it('opens a DM channel when none is known, sends, and edits that message in place', async () => {
    const ref = await port.send({ platform: 'discord', scope: fake.applicationId, platformUserId: '300000000000000001' }, view('Your session is confirmed'));
    expect(fake.callsTo('POST', /^\/users\/@me\/channels$/)[0]?.body).toEqual({ recipient_id: '300000000000000001' });
    expect(fake.messages.get(ref.messageId)?.content).toBe('Your session is confirmed');

    await port.edit(ref, view('Moved to Tuesday'));
    expect(fake.messages.get(ref.messageId)).toMatchObject({ channel_id: ref.channelId, content: 'Moved to Tuesday' });
  });

  it('uses the known DM channel without opening another', async () => {
    const before = fake.callsTo('POST', /^\/users\/@me\/channels$/).length;
    const ref = await port.send({ platform: 'discord', scope: fake.applicationId, platformUserId: '300000000000000002', dmChannelId: '400000000000000002' }, view('hi'));
    expect(ref.channelId).toBe('400000000000000002');
    expect(fake.callsTo('POST', /^\/users\/@me\/channels$/)).toHaveLength(before);
  });

  it("reports a 429 with Discord's retry_after as a retryable delivery error", async () => {
    fake.fail('POST', /^\/channels\/\d+\/messages$/, 429, { message: 'You are being rate limited.', retry_after: 1.5, global: false }, 1, {
      'retry-after': '2',
      'x-ratelimit-scope': 'user',
    });
    const error = await port.send({ platform: 'discord', scope: 'x', platformUserId: '1', dmChannelId: '400000000000000003' }, view('hi')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ChatDeliveryError);
    expect((error as ChatDeliveryError).permanent).toBe(false);
    expect((error as ChatDeliveryError).retryAfterMs).toBeGreaterThan(0);
  });

  it('reports a user who cannot receive DMs as permanent', async () => {
    fake.fail('POST', /^\/channels\/\d+\/messages$/, 403, { code: 50007, message: 'Cannot send messages to this user' });
    const error = await port.send({ platform: 'discord', scope: 'x', platformUserId: '1', dmChannelId: '400000000000000004' }, view('hi')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ChatDeliveryError);
    expect((error as ChatDeliveryError).permanent).toBe(true);
  });

  it('reports an edit of a message that is gone as permanent', async () => {
    const error = await port.edit({ platform: 'discord', channelId: '400000000000000005', messageId: '999' }, view('x')).catch((e: unknown) => e);
    expect((error as ChatDeliveryError).permanent).toBe(true);
  });

  it('reports a server error as retryable', async () => {
    fake.fail('POST', /^\/channels\/\d+\/messages$/, 500, { message: 'oops' });
    const error = await port.send({ platform: 'discord', scope: 'x', platformUserId: '1', dmChannelId: '400000000000000006' }, view('hi')).catch((e: unknown) => e);
    expect((error as ChatDeliveryError).permanent).toBe(false);
  });

  it('opens the coach–member conversation as a private thread with both of them in it', async () => {
    const people = ['300000000000000010', '300000000000000011'].map((id) => ({ platform: 'discord' as const, scope: 'x', platformUserId: id }));
    const ref = await port.openConversation!(people, view('Coach Carla & Mia'));
    const created = fake.callsTo('POST', /^\/channels\/600000000000000001\/threads$/)[0]?.body;
    expect(created).toMatchObject({ name: 'Coach Carla & Mia', type: 12, invitable: false });
    expect(fake.callsTo('PUT', new RegExp(`^/channels/${ref.channelId}/thread-members/`)).map((c) => c.path.split('/').at(-1))).toEqual([
      '300000000000000010',
      '300000000000000011',
    ]);
    expect(fake.messages.get(ref.messageId)?.content).toBe('Coach Carla & Mia');
    await expect(createDiscordPort(rest).openConversation!(people, view('x'))).rejects.toMatchObject({ permanent: true });
  });
});

describe('Discord that does not answer', () => {
  it("a send is given up after the adapter's bound (one retry, then a retryable delivery error) rather than holding the job, and the next goes through", async () => {
    const fake = await new FakeDiscord().start();
    try {
      // The adapter's own client with a shorter bound so the test does not idle; the fake never answers the stalled calls.
      const port = createDiscordPort(discordRest({ apiBase: fake.apiBase, botToken: 'test-token', restTimeoutMs: 1_500 }), undefined);
      const to = { platform: 'discord' as const, scope: fake.applicationId, platformUserId: '300000000000000009', dmChannelId: '400000000000000009' };
      fake.stall('POST', /^\/channels\/\d+\/messages$/, 2);
      const error = await port.send(to, view('hello')).then(() => undefined, (e: unknown) => e);
      expect(error).toBeInstanceOf(ChatDeliveryError);
      expect((error as ChatDeliveryError).permanent).toBe(false);
      expect(fake.callsTo('POST', /^\/channels\/\d+\/messages$/)).toHaveLength(2);
      await expect(port.send(to, view('again'))).resolves.toMatchObject({ platform: 'discord' });
    } finally {
      await fake.stop();
    }
  });
});
