import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { slackSettings, type SlackBot } from '../../../src/adapters/slack/index.ts';
import { loadConfig } from '../../../src/config.ts';
import { FakeSlack } from '../../fakes/slack.ts';
import type { Effect, Inbound } from '../../../src/bot/inbound.ts';
import type { View } from '../../../src/bot/view.ts';
import { blockAction, directMessage, eventCallback, homeOpened, slashCommand, viewSubmission } from '../../fakes/slack-requests.ts';
import { SIGNING_SECRET, startSlackApp, type SlackAppHarness } from './harness.ts';

// The adapter's wire behaviour through Bolt's real receiver: what reaches the bot from each kind of
// Slack delivery, how its effects become Web API calls, and what is refused. The bot here is a
// scripted stand-in that answers by command name (the real bot's flows are in flows.test.ts).

const view = (text: string, action = 'tok:1'): View => ({
  summary: text,
  blocks: [{ type: 'text', text }, { type: 'actions', elements: [{ type: 'button', label: 'Go', action }] }],
});

class ScriptedBot implements SlackBot {
  readonly seen: Inbound[] = [];
  gate?: Promise<void>;
  async handle(inbound: Inbound): Promise<Effect[]> {
    this.seen.push(inbound);
    if (this.gate) await this.gate;
    if (inbound.type === 'command' && inbound.name === 'form') {
      return [{ type: 'form', form: { title: 'Goals', submit: 'sub:goals', submitLabel: 'Save', inputs: [{ id: 'goals', label: 'Goals', style: 'paragraph', required: true, maxLength: 500 }] } }];
    }
    if (inbound.type === 'command' && inbound.name === 'oops') return [{ type: 'notice', text: 'That did not work' }];
    if (inbound.type === 'action') return [{ type: 'update', view: view(`clicked ${inbound.action}`) }];
    if (inbound.type === 'submit') return [{ type: 'reply', view: view(`saved ${inbound.values.goals}`) }];
    if (inbound.type === 'command' && inbound.name === 'home') return [{ type: 'reply', view: view('dashboard') }];
    if (inbound.type === 'command') return [{ type: 'reply', view: view(`hello ${inbound.name} ${inbound.args}`) }];
    return [{ type: 'reply', view: view(`echo ${inbound.type === 'text' ? inbound.text : ''}`) }];
  }
}

describe('Slack receiver', () => {
  const bot = new ScriptedBot();
  let h: SlackAppHarness;
  const member = { teamId: '', userId: 'U0MEMBER1' };

  beforeAll(async () => {
    h = await startSlackApp(bot);
    member.teamId = h.teamId;
    h.fake.addUser({ id: member.userId, tz: 'America/New_York', name: 'Mia Member' });
  });
  afterAll(() => h.close());

  it('a slash command reaches the bot with the user time zone from users.info and the reply lands in the DM', async () => {
    const res = await h.send(slashCommand(member, '/book', 'tomorrow'));
    expect(res.status).toBe(200);
    const posted = await h.fake.waitForCall('chat.postMessage', (c) => String(c.args.text).includes('hello book tomorrow'));
    expect(posted.args.channel).toBe(`D${member.userId}`);
    expect(posted.token).toBe('xoxb-test-token');
    const inbound = bot.seen.find((i) => i.type === 'command' && i.name === 'book')!;
    expect(inbound.user).toMatchObject({ platform: 'slack', scope: h.teamId, platformUserId: member.userId, timezone: 'America/New_York', dmChannelId: `D${member.userId}` });
  });

  it('a button click updates the message it came from in place', async () => {
    const sent = await h.adapter.port.send({ platform: 'slack', scope: h.teamId, platformUserId: member.userId }, view('pick one', 'slot:9'));
    const channel = sent.channelId.split('/')[1]!;
    expect((await h.send(blockAction(member, 'slot:9', { channel, ts: sent.messageId }))).status).toBe(200);
    const update = await h.fake.waitForCall('chat.update', (c) => c.args.ts === sent.messageId);
    expect(update.args.channel).toBe(channel);
    expect(JSON.stringify(h.fake.message(channel, sent.messageId))).toContain('clicked slot:9');
    const action = bot.seen.find((i) => i.type === 'action' && i.action === 'slot:9');
    expect(action).toMatchObject({ message: sent });
  });

  it('a select option sends its token like a button', async () => {
    const sent = await h.adapter.port.send({ platform: 'slack', scope: h.teamId, platformUserId: member.userId }, view('menu'));
    const channel = sent.channelId.split('/')[1]!;
    await h.send(blockAction(member, 'opt:3', { channel, ts: sent.messageId }, { select: true }));
    await h.fake.waitForCall('chat.update', (c) => String(c.args.text).includes('clicked opt:3'));
  });

  it('a form opens as a modal and its submission reaches the bot with the values', async () => {
    await h.send(slashCommand(member, '/form', ''));
    const opened = await h.fake.waitForCall('views.open');
    expect(opened.args.trigger_id).toBeTruthy();
    const res = await h.send(viewSubmission(member, opened.args as { view: Record<string, unknown> }, { goals: 'run a marathon' }));
    expect(res.status).toBe(200);
    await h.fake.waitForCall('chat.postMessage', (c) => String(c.args.text).includes('saved run a marathon'));
    expect(bot.seen.find((i) => i.type === 'submit')).toMatchObject({ action: 'sub:goals', values: { goals: 'run a marathon' } });
  });

  it('a notice is ephemeral, through the command response_url', async () => {
    await h.send(slashCommand(member, '/oops', '', { responseUrl: h.fake.responseUrl('oops') }));
    const body = await h.fake.waitForResponse((b) => String(b.text).includes('That did not work'));
    expect(body.response_type).toBe('ephemeral');
  });

  it('opening the App Home publishes the dashboard there', async () => {
    await h.send(eventCallback(member, homeOpened(member)));
    const published = await h.fake.waitForCall('views.publish');
    expect(published.args.user_id).toBe(member.userId);
    expect((published.args.view as { type: string }).type).toBe('home');
    expect(JSON.stringify(published.args.view)).toContain('dashboard');
  });

  it('a direct message reaches the bot as text; the bot own messages are ignored', async () => {
    await h.send(eventCallback(member, { ...directMessage(member, 'ignored'), bot_id: 'BBOT000001' }));
    await h.send(eventCallback(member, directMessage(member, 'hi there')));
    await h.fake.waitForCall('chat.postMessage', (c) => String(c.args.text).includes('echo hi there'));
    await h.adapter.idle();
    expect(bot.seen.filter((i) => i.type === 'text').map((i) => (i.type === 'text' ? i.text : ''))).toEqual(['hi there']);
  });

  it('a retried event delivery reaches the bot once', async () => {
    const first = eventCallback(member, directMessage(member, 'once please'), { eventId: 'EvRETRY0001' });
    const retry = eventCallback(member, directMessage(member, 'once please'), { eventId: 'EvRETRY0001', retryNum: 1 });
    expect((await h.send(first)).status).toBe(200);
    expect((await h.send(retry)).status).toBe(200);
    expect((await h.send(retry)).status).toBe(200);
    await h.adapter.idle();
    expect(bot.seen.filter((i) => i.type === 'text' && i.text === 'once please')).toHaveLength(1);
  });

  it('the same click delivered twice (same action_ts) reaches the bot once', async () => {
    const sent = await h.adapter.port.send({ platform: 'slack', scope: h.teamId, platformUserId: member.userId }, view('twice'));
    const channel = sent.channelId.split('/')[1]!;
    const click = blockAction(member, 'dup:1', { channel, ts: sent.messageId }, { actionTs: '1700000000.424242' });
    await Promise.all([h.send(click), h.send(click)]);
    await h.adapter.idle();
    expect(bot.seen.filter((i) => i.type === 'action' && i.action === 'dup:1')).toHaveLength(1);
  });

  describe('refused requests get 401 and reach nobody', () => {
    const refused = async (options: Parameters<SlackAppHarness['send']>[1], marker: string) => {
      const before = h.fake.calls.length;
      const res = await h.send(slashCommand(member, '/refused', marker), options);
      expect(res.status).toBe(401);
      // A good request sent after the refused one is worked off; the refused one never was.
      await h.send(slashCommand(member, '/after', marker));
      await h.fake.waitForCall('chat.postMessage', (c) => String(c.args.text).includes(`hello after ${marker}`));
      await h.adapter.idle();
      expect(bot.seen.some((i) => i.type === 'command' && i.name === 'refused' && i.args === marker)).toBe(false);
      expect(h.fake.calls.slice(before).some((c) => JSON.stringify(c.args).includes(`refused ${marker}`))).toBe(false);
    };

    it('a bad signature', () => refused({ signWith: 'not-the-secret' }, 'sig'));
    it('a correctly signed request six minutes old', () => refused({ timestamp: Math.floor(Date.now() / 1000) - 6 * 60 }, 'old'));
    it('a correctly signed request six minutes in the future', () => refused({ timestamp: Math.floor(Date.now() / 1000) + 6 * 60 }, 'future'));
  });

  it('a malformed command gets a clear answer and reaches nobody', async () => {
    const bad = slashCommand(member, '/book', 'x');
    const body = new URLSearchParams(bad.body);
    body.delete('user_id');
    const res = await h.send({ ...bad, body: body.toString() });
    expect(res.status).toBe(200);
    expect(res.body).toContain('could not be read');
  });

  it('the ack does not wait for the work: answered while the bot is still busy', async () => {
    let release!: () => void;
    bot.gate = new Promise((resolve) => (release = resolve));
    const res = await h.send(slashCommand(member, '/slow', 'ack-first'));
    expect(res.status).toBe(200);
    // Had the ack waited for the work, it could never have come: the bot is held until after it.
    expect(h.fake.calls.some((c) => String(c.args.text).includes('hello slow ack-first'))).toBe(false);
    bot.gate = undefined;
    release();
    await h.fake.waitForCall('chat.postMessage', (c) => String(c.args.text).includes('hello slow ack-first'));
  });
});

describe('SLACK_API_URL', () => {
  it('sends every Web API call to the base it names (a proxy or a test double)', async () => {
    const fake = await new FakeSlack().start();
    // Written without the trailing slash Slack's SDK needs: the adapter adds it.
    const settings = slackSettings(loadConfig({ SLACK_SIGNING_SECRET: SIGNING_SECRET, SLACK_BOT_TOKEN: 'xoxb-test-token', SLACK_PORT: '0', SLACK_API_URL: fake.apiUrl.replace(/\/$/, '') }))!;
    expect(settings.apiUrl).toBe(fake.apiUrl.replace(/\/$/, ''));
    const h = await startSlackApp(new ScriptedBot(), { settings }, fake);
    try {
      const actor = { teamId: fake.teamId, userId: 'U0PROXIED1' };
      fake.addUser({ id: actor.userId, tz: 'UTC' });
      expect((await h.send(slashCommand(actor, '/next', ''))).status).toBe(200);
      const posted = await fake.waitForCall('chat.postMessage');
      expect(posted.args.text).toBe('hello next ');
    } finally {
      await h.close();
      await fake.stop();
    }
  });
});
