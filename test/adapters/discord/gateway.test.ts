import { InteractionResponseType, InteractionType } from 'discord-api-types/v10';
import { afterAll, describe, expect, it } from 'vitest';
import { createDiscordAdapter } from '../../../src/adapters/discord/index.ts';
import { BOT_COMMANDS, createBot } from '../../../src/bot/index.ts';
import { setupCore } from '../../helpers/core.ts';
import { testRedis } from '../../api/harness.ts';
import { makeCoach } from '../../helpers/factories.ts';
import { FakeDiscord } from '../../fakes/discord.ts';

// Gateway mode through the real discord.js Client: the fake gateway says HELLO, the Client
// IDENTIFYs, READY follows, and an INTERACTION_CREATE dispatch is answered over REST.

const ctx = await setupCore();

describe('Discord gateway mode', () => {
  it('registers commands, connects, and answers an interaction through the callback endpoint', async () => {
    const fake = await new FakeDiscord().start();
    const redis = testRedis();
    const bot = createBot({ core: ctx.core, clock: ctx.clock, actionSecret: 'gateway-secret' });
    const adapter = createDiscordAdapter({
      settings: {
        applicationId: fake.applicationId,
        botToken: 'fake-bot-token',
        mode: 'gateway',
        guildId: '800000000000000001',
        apiBase: fake.apiBase,
        answerBudgetMs: 2500,
        keyPrefix: `test:${process.pid}:${Math.random().toString(36).slice(2)}:discord:`,
        restRetries: 0,
      },
      bot,
      redis,
      logger: { info() {}, warn() {}, error() {} },
      commands: BOT_COMMANDS,
    });
    afterAll(async () => {
      await adapter.stop();
      await fake.stop();
      redis.disconnect();
    });
    await makeCoach(ctx.db, { name: 'Gateway Gina' });
    await adapter.start();

    const registered = fake.callsTo('PUT', /^\/applications\/\d+\/guilds\/800000000000000001\/commands$/);
    expect((registered[0]?.body as { name: string; description: string }[]).map((c) => [c.name, c.description])).toEqual(BOT_COMMANDS.map((c) => [c.name, c.description]));

    fake.dispatchInteraction({
      id: '900000000000000001',
      application_id: fake.applicationId,
      type: InteractionType.ApplicationCommand,
      token: 'gateway-token',
      channel_id: '910000000000000001',
      user: { id: '920000000000000001', username: 'gus' },
      data: { id: '930000000000000001', name: 'signup', type: 1 },
    });
    const callback = await fake.waitFor('POST', /^\/interactions\/900000000000000001\/gateway-token\/callback$/);
    const body = callback.body as { type: number; data: { content: string } };
    expect(body.type).toBe(InteractionResponseType.ChannelMessageWithSource);
    expect(JSON.stringify(body.data)).toContain('Gateway Gina');
  });
});
