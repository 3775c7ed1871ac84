/* eslint-disable @typescript-eslint/no-explicit-any -- Block Kit as the fake Slack recorded it: untyped JSON */
import Fastify from 'fastify';
import { afterAll, describe, expect, it } from 'vitest';
import { createDiscordAdapter } from '../../src/adapters/discord/index.ts';
import { createBot, type ChatPort, type Platform } from '../../src/bot/index.ts';
import { FakeDiscord } from '../fakes/discord.ts';
import { slashCommand, type SlackActor } from '../fakes/slack-requests.ts';
import { setupApi } from '../api/harness.ts';
import { DiscordUser, fakeDiscordSettings, type DiscordHarness } from './discord/harness.ts';
import { startSlackApp } from './slack/harness.ts';
import { messageUpdate, startTelegramHarness } from './telegram/harness.ts';

// Issue 26: a coach created by an admin through the API links Slack, Telegram and Discord in turn,
// each with a code from the API, and then has /today on each. Every platform is driven at its
// wire, through the adapter's real receiver and SDK, against its local fake; one bot and one core.

const api = await setupApi();
const ports: Partial<Record<Platform, ChatPort>> = {};
const bot = createBot({ core: api.core, clock: api.clock, actionSecret: 'linking-test-secret', ports });
const handler = { handle: (inbound: Parameters<typeof bot.handle>[0]) => bot.handle(inbound) };

const slack = await startSlackApp(handler);
ports.slack = slack.adapter.port;
const telegram = await startTelegramHarness({ bot: handler });
ports.telegram = telegram.adapter.port;
const discordFake = await new FakeDiscord().start();
const discordAdapter = createDiscordAdapter({
  settings: fakeDiscordSettings(discordFake),
  bot,
  redis: api.redis,
  logger: { info() {}, warn() {}, error() {} },
  commands: [{ name: 'link', description: 'Link this chat' }],
});
ports.discord = discordAdapter.port;
const discordHttp = Fastify();
await discordAdapter.start(discordHttp);
const discordUrl = await discordHttp.listen({ host: '127.0.0.1', port: 0 });
const discord: DiscordHarness = { ...api, fake: discordFake, bot, adapter: discordAdapter, app: discordHttp, url: discordUrl, ports };

afterAll(async () => {
  await discordHttp.close();
  await discordAdapter.stop();
  await discordFake.stop();
  await telegram.close();
  await slack.close();
});

/** The next message the bot posts to a Slack user's DM that contains `includes`. */
async function slackCommand(actor: SlackActor, name: string, text: string, includes: string): Promise<string> {
  const after = slack.fake.calls.length;
  expect((await slack.send(slashCommand(actor, `/${name}`, text))).status).toBe(200);
  const call = await slack.fake.waitForCall(
    'chat.postMessage',
    (c) => slack.fake.calls.indexOf(c) >= after && c.args.channel === `D${actor.userId}` && JSON.stringify(c.args.blocks).includes(includes),
  );
  return JSON.stringify(call.args.blocks as any[]);
}

/** What the bot last wrote in a Telegram user's private chat. */
function telegramLast(chatId: number): string {
  const mine = [...telegram.fake.messages.values()].filter((m) => m.chatId === String(chatId));
  return mine.sort((a, b) => a.messageId - b.messageId).at(-1)?.text ?? '';
}

describe('a coach created through the API links every chat platform in turn', () => {
  it('Slack, then Telegram, then Discord: /link with a code from the API, then /today', async () => {
    const admin = await api.userWithToken('Admin');
    const created = await api.call(admin.token, { method: 'POST', url: '/users', payload: { name: 'Cora Coach', role: 'Coach', timezone: 'UTC' } });
    expect(created.statusCode).toBe(201);
    const coachId = created.json<{ id: string }>().id;
    const newCode = async () => {
      const res = await api.call(admin.token, { method: 'POST', url: `/users/${coachId}/link-codes` });
      expect(res.statusCode).toBe(201);
      return res.json<{ code: string }>().code;
    };

    // Slack: a slash command to the real Bolt receiver; the answers are posted to the DM.
    const cora: SlackActor = { teamId: slack.teamId, userId: 'U0CORA0001' };
    slack.fake.addUser({ id: cora.userId, tz: 'UTC', name: 'Cora' });
    expect(await slackCommand(cora, 'today', '', '/signup')).toContain('/link');
    expect(await slackCommand(cora, 'link', await newCode(), 'You are Cora Coach here')).toContain('This Slack account is now linked to Cora Coach (coach).');
    expect(await slackCommand(cora, 'today', '', 'Today and this week')).toContain('nothing booked');

    // Telegram: updates posted to the real webhook receiver; someone unknown is told what to do.
    const person = { id: 9100, first_name: 'Cora' };
    await telegram.deliver(messageUpdate(person, 'hello'));
    expect(telegramLast(person.id)).toContain('send /signup to join as a member, or /link with the code');
    await telegram.deliver(messageUpdate(person, `/link ${await newCode()}`));
    expect(telegramLast(person.id)).toContain('This Telegram account is now linked to Cora Coach (coach).');
    await telegram.deliver(messageUpdate(person, '/today'));
    expect(telegramLast(person.id)).toContain('Today and this week');

    // Discord: signed interactions to the real endpoint, the code as the command's text option.
    const user = new DiscordUser(discord, '320000000000000001');
    await user.command('link', await newCode());
    expect(user.last?.content).toContain('This Discord account is now linked to Cora Coach (coach).');
    await user.command('today');
    expect(user.last?.content).toContain('Today and this week');

    // All three accounts are the coach's, one per platform, as the API lists them.
    const identities = await api.call(admin.token, { method: 'GET', url: `/users/${coachId}/chat-identities` });
    expect(identities.json<{ items: { platform: string; platformUserId: string }[] }>().items.map((i) => [i.platform, i.platformUserId])).toEqual([
      ['slack', cora.userId],
      ['telegram', String(person.id)],
      ['discord', user.userId],
    ]);
  });
});
