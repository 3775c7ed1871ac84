import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Effect, Inbound } from '../../../src/bot/inbound.ts';
import { BOT_COMMANDS } from '../../../src/bot/index.ts';
import type { Form, View } from '../../../src/bot/view.ts';
import { createInvites, inviteKeyFromToken } from '../../../src/adapters/telegram/invites.ts';
import { callbackUpdate, messageUpdate, startTelegramHarness, type TelegramHarness } from './harness.ts';

// The adapter's own duties, with a scripted bot in place of src/bot so each duty is seen alone:
// the secret check, update de-duplication, callback answers, edits in place, step-by-step forms,
// deep links and 429s. The flows through the real bot are in flows.test.ts.

const ada = { id: 5001, first_name: 'Ada', last_name: 'Lovelace' };
const view = (text: string, actions: string[] = []): View => ({
  summary: text,
  blocks: [{ type: 'text', text }, ...(actions.length ? [{ type: 'actions' as const, elements: actions.map((a) => ({ type: 'button' as const, label: a, action: a })) }] : [])],
});
const goalsForm: Form = {
  title: 'Sign up',
  submit: 'submit-signup',
  submitLabel: 'Sign up',
  inputs: [
    { id: 'goals', label: 'Your goals', style: 'paragraph', required: true, maxLength: 20 },
    { id: 'phone', label: 'Phone', style: 'text', required: false, maxLength: 20 },
  ],
};

const inbounds: Inbound[] = [];
let answer: (inbound: Inbound) => Effect[] | Promise<Effect[]> = () => [];
const bot = {
  async handle(inbound: Inbound): Promise<Effect[]> {
    inbounds.push(inbound);
    return answer(inbound);
  },
};

let h: TelegramHarness;
beforeAll(async () => {
  h = await startTelegramHarness({ bot });
});
afterAll(async () => h.close());
beforeEach(() => {
  inbounds.length = 0;
  h.fake.calls.length = 0;
  h.waits.length = 0;
  answer = () => [];
});

const methods = () => h.fake.calls.map((c) => c.method);

describe('Telegram adapter: start', () => {
  it('registers the commands with setMyCommands and the webhook with its secret token', async () => {
    const fresh = await startTelegramHarness({ bot });
    try {
      expect(fresh.fake.calls.map((c) => c.method)).toEqual(['getMe', 'setMyCommands', 'setWebhook']);
      // The bot's declared commands, every one, with the menu text the features declare.
      const commands = fresh.fake.callsOf('setMyCommands')[0]!.payload.commands as { command: string; description: string }[];
      expect(commands).toEqual(BOT_COMMANDS.map((c) => ({ command: c.name, description: c.description })));
      expect(commands.map((c) => c.command)).toContain('invite');
      expect(fresh.fake.callsOf('setWebhook')[0]!.payload).toMatchObject({ url: 'https://bot.example.test/telegram/webhook', secret_token: 'test_webhook_secret_0123456789' });
    } finally {
      await fresh.close();
    }
  });
});

describe('Telegram adapter: webhook receiver', () => {
  it('a missing or wrong secret token is rejected (401) and changes nothing: the same update sent rightly later is handled', async () => {
    answer = () => [{ type: 'reply', view: view('Hello') }];
    const update = messageUpdate(ada, '/book');
    expect((await h.post(update, { secret: null })).status).toBe(401);
    expect((await h.post(update, { secret: 'wrong_secret_wrong_secret_0000' })).status).toBe(401);
    expect((await h.post(update, { secret: 'test_webhook_secret_012345678' })).status).toBe(401);
    await h.adapter.idle();
    expect(inbounds).toEqual([]);
    expect(h.fake.calls).toEqual([]);
    expect(await h.redis.keys(`${h.keyPrefix}:*update*`)).toEqual([]);
    await h.deliver(update);
    expect(inbounds).toHaveLength(1);
  });

  it('a re-delivered update is handled once', async () => {
    answer = () => [{ type: 'reply', view: view('Booked') }];
    const update = messageUpdate(ada, '/book');
    await h.deliver(update);
    await h.deliver(update);
    await h.deliver(update);
    expect(inbounds).toHaveLength(1);
    expect(h.fake.callsOf('sendMessage')).toHaveLength(1);
  });

  it('a body that is not an update is refused with 400 and the receiver keeps working', async () => {
    expect((await h.post(null, { body: '{"nope":1}' })).status).toBe(400);
    expect((await h.post(null, { body: '{not json' })).status).toBe(400);
    expect((await h.post(null, { body: '[]' })).status).toBe(400);
    expect((await h.post({ update_id: 1 }, { contentType: 'text/plain' })).status).toBe(400);
    await h.deliver({ update_id: 424242, message: { message_id: 1, chat: { id: 1, type: 'private' }, from: 'garbage' } });
    expect(inbounds).toEqual([]);
    await h.deliver(messageUpdate(ada, '/next'));
    expect(inbounds).toHaveLength(1);
  });
});

describe('Telegram adapter: updates to the bot and back', () => {
  it('a command becomes a command Inbound for the Telegram identity; a reply becomes sendMessage with an inline keyboard', async () => {
    answer = () => [{ type: 'reply', view: view('Pick a day', ['d1', 'd2']) }];
    await h.deliver(messageUpdate(ada, '/book@coachbot_test_bot  next week '));
    expect(inbounds[0]).toMatchObject({
      type: 'command',
      name: 'book',
      args: 'next week',
      user: { platform: 'telegram', scope: String(h.fake.botId), platformUserId: '5001', displayName: 'Ada Lovelace', dmChannelId: '5001' },
    });
    const sent = h.fake.callsOf('sendMessage')[0]!.payload;
    expect(sent).toMatchObject({ chat_id: '5001', text: 'Pick a day', reply_markup: { inline_keyboard: [[{ text: 'd1', callback_data: 'd1' }, { text: 'd2', callback_data: 'd2' }]] } });
  });

  it('a command for another bot is not ours; a command in a group is answered with "talk to me in private"', async () => {
    await h.deliver(messageUpdate(ada, '/book@someone_else_bot'));
    await h.deliver(messageUpdate(ada, '/book', { chat: { id: -100, type: 'group' } }));
    expect(inbounds).toEqual([]);
    expect(h.fake.callsOf('sendMessage').map((c) => c.payload.text)).toEqual(['Please talk to me in a private chat.']);
  });

  it('a button press is answered (answerCallbackQuery with the notice) before its message is edited in place', async () => {
    answer = () => [{ type: 'reply', view: view('Slots', ['s1']) }];
    await h.deliver(messageUpdate(ada, '/book'));
    const messageId = h.fake.messages.size ? [...h.fake.messages.values()].at(-1)!.messageId : 0;
    h.fake.calls.length = 0;
    answer = () => [{ type: 'notice', text: 'Booked!' }, { type: 'update', view: view('Your session is booked') }];
    await h.deliver(callbackUpdate(ada, 's1', messageId));
    expect(inbounds.at(-1)).toMatchObject({ type: 'action', action: 's1', message: { platform: 'telegram', channelId: '5001', messageId: String(messageId) } });
    expect(methods()).toEqual(['answerCallbackQuery', 'editMessageText']);
    expect(h.fake.callsOf('answerCallbackQuery')[0]!.payload).toMatchObject({ text: 'Booked!' });
    expect(h.fake.messages.get(`5001/${messageId}`)?.text).toBe('Your session is booked');
  });

  it('every callback query is answered, even when the bot fails, and the next update is handled', async () => {
    answer = () => {
      throw new Error('bot broke');
    };
    await h.deliver(callbackUpdate(ada, 'anything', 1));
    expect(h.fake.callsOf('answerCallbackQuery')).toHaveLength(1);
    expect(h.fake.callsOf('answerCallbackQuery')[0]!.payload.text).toMatch(/went wrong/);
    answer = () => [];
    await h.deliver(callbackUpdate(ada, 'other', 1));
    expect(h.fake.callsOf('answerCallbackQuery')).toHaveLength(2);
    await h.deliver(callbackUpdate(ada, '~made-up', 1));
    expect(h.fake.callsOf('answerCallbackQuery')).toHaveLength(3);
    expect(inbounds.map((i) => (i.type === 'action' ? i.action : i.type))).toEqual(['anything', 'other']);
  });

  it('editing a message into what it already shows is not an error', async () => {
    answer = () => [{ type: 'reply', view: view('Same') }];
    await h.deliver(messageUpdate(ada, '/next'));
    const messageId = [...h.fake.messages.values()].at(-1)!.messageId;
    answer = () => [{ type: 'update', view: view('Same') }];
    await h.deliver(callbackUpdate(ada, 'refresh', messageId));
    expect(h.fake.callsOf('editMessageText')).toHaveLength(1);
    expect(h.fake.callsOf('sendMessage').map((c) => c.payload.text)).toEqual(['Same']);
  });

  it('a message that can no longer be edited gets its new content as a new message', async () => {
    answer = () => [{ type: 'update', view: view('Fresh content') }];
    await h.deliver(callbackUpdate(ada, 'old-button', 987654));
    expect(methods()).toEqual(['answerCallbackQuery', 'editMessageText', 'sendMessage']);
    expect(h.fake.callsOf('sendMessage')[0]!.payload.text).toBe('Fresh content');
  });

  it('a 429 is waited out for retry_after seconds, then the call is made again', async () => {
    answer = () => [{ type: 'reply', view: view('After the wait') }];
    h.fake.failNext('sendMessage', { status: 429, description: 'Too Many Requests: retry after 1', retryAfter: 1 });
    await h.deliver(messageUpdate(ada, '/next'));
    expect(methods()).toEqual(['sendMessage', 'sendMessage']);
    expect(h.waits).toEqual([1000]);
    expect([...h.fake.messages.values()].at(-1)!.text).toBe('After the wait');
  });
});

describe('Telegram adapter: forms', () => {
  it('a form opens with its first question; the answers go to the bot as text, which asks the rest', async () => {
    answer = (i) => (i.type === 'command' ? [{ type: 'form', form: goalsForm }] : [{ type: 'reply', view: view('Phone (optional)') }]);
    await h.deliver(messageUpdate(ada, '/signup'));
    expect(h.fake.callsOf('sendMessage').at(-1)!.payload.text).toBe('Sign up: Your goals');
    await h.deliver(messageUpdate(ada, '  Run 10 km '));
    expect(inbounds.at(-1)).toMatchObject({ type: 'text', text: '  Run 10 km ' });
    expect(h.fake.callsOf('sendMessage').at(-1)!.payload.text).toBe('Phone (optional)');
  });
});

describe('Telegram adapter: coach invite deep links', () => {
  const coachId = '0b6f3c8e-6a0e-4c39-9d53-0f9c2b7a11aa';

  it('/start with a genuine invite is the signup command for that coach', async () => {
    const link = h.adapter.inviteLink(coachId)!;
    expect(link).toMatch(/^https:\/\/t\.me\/coachbot_test_bot\?start=[\w-]{1,64}$/);
    await h.deliver(messageUpdate(ada, `/start ${new URL(link).searchParams.get('start')}`));
    expect(inbounds).toEqual([expect.objectContaining({ type: 'command', name: 'signup', args: coachId })]);
  });

  it('a forged or damaged invite is refused with a sentence and treated as a plain /start', async () => {
    const otherKey = createInvites(inviteKeyFromToken('999:another-bot-token')).payloadFor(coachId);
    const genuine = new URL(h.adapter.inviteLink(coachId)!).searchParams.get('start')!;
    for (const payload of [otherKey, genuine.slice(0, -1), `${genuine.slice(0, -1)}${genuine.endsWith('A') ? 'B' : 'A'}`, 'hello']) {
      await h.deliver(messageUpdate(ada, `/start ${payload}`));
    }
    expect(inbounds.map((i) => (i.type === 'command' ? `${i.name}:${i.args}` : i.type))).toEqual(['start:', 'start:', 'start:', 'start:']);
    expect(h.fake.callsOf('sendMessage').filter((c) => /invite link is not valid/.test(String(c.payload.text)))).toHaveLength(4);
  });
});
