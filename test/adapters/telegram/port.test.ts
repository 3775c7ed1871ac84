import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ChatDeliveryError, type Recipient } from '../../../src/bot/port.ts';
import type { View } from '../../../src/bot/view.ts';
import { startTelegramHarness, type TelegramHarness } from './harness.ts';

// The ChatPort jobs use to reach Telegram users, against the fake Bot API: sends and in-place
// edits, and every refusal stated as ChatDeliveryError the way the jobs act on it.

const reminder: View = {
  summary: 'Reminder',
  blocks: [
    { type: 'header', text: 'Session in 1 hour' },
    { type: 'actions', elements: [{ type: 'button', label: 'Confirm', action: 'c1' }] },
  ],
};
const noBot = { handle: async () => [] };

let h: TelegramHarness;
let to: Recipient;
beforeAll(async () => {
  h = await startTelegramHarness({ bot: noBot });
  to = { platform: 'telegram', scope: String(h.fake.botId), platformUserId: '7001' };
});
afterAll(async () => h.close());
beforeEach(() => {
  h.fake.calls.length = 0;
});

async function refusal(promise: Promise<unknown>): Promise<ChatDeliveryError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(ChatDeliveryError);
  return error as ChatDeliveryError;
}

describe('Telegram ChatPort', () => {
  it('sends a direct message (to the user id when no DM channel is known) and edits it in place', async () => {
    const ref = await h.adapter.port.send(to, reminder);
    expect(ref).toMatchObject({ platform: 'telegram', channelId: '7001' });
    expect(h.fake.callsOf('sendMessage')[0]!.payload).toMatchObject({
      chat_id: '7001',
      text: 'Session in 1 hour',
      entities: [{ type: 'bold', offset: 0, length: 17 }],
      reply_markup: { inline_keyboard: [[{ text: 'Confirm', callback_data: 'c1' }]] },
    });
    await h.adapter.port.edit(ref, { summary: 'Confirmed', blocks: [{ type: 'text', text: 'Confirmed, see you then' }] });
    expect(h.fake.messages.get(`7001/${ref.messageId}`)).toMatchObject({ text: 'Confirmed, see you then', replyMarkup: { inline_keyboard: [] } });
    // The same content again is no error.
    await h.adapter.port.edit(ref, { summary: 'Confirmed', blocks: [{ type: 'text', text: 'Confirmed, see you then' }] });
  });

  it('a 429 is a ChatDeliveryError carrying retry_after in ms, not waited out inside the port', async () => {
    h.fake.failNext('sendMessage', { status: 429, description: 'Too Many Requests: retry after 1', retryAfter: 1 });
    const error = await refusal(h.adapter.port.send(to, reminder));
    expect(error.permanent).toBe(false);
    expect(error.retryAfterMs).toBe(1000);
    expect(h.fake.callsOf('sendMessage')).toHaveLength(1);
  });

  it('a user who blocked the bot, or a chat that is gone, is permanent; a 500 is worth another try', async () => {
    h.fake.failNext('sendMessage', { status: 403, description: 'Forbidden: bot was blocked by the user' });
    expect((await refusal(h.adapter.port.send(to, reminder))).permanent).toBe(true);
    h.fake.failNext('sendMessage', { status: 400, description: 'Bad Request: chat not found' });
    expect((await refusal(h.adapter.port.send(to, reminder))).permanent).toBe(true);
    h.fake.failNext('sendMessage', { status: 500, description: 'Internal Server Error' });
    const transient = await refusal(h.adapter.port.send(to, reminder));
    expect(transient.permanent).toBe(false);
    expect(transient.retryAfterMs).toBeUndefined();
    const error = await refusal(h.adapter.port.edit({ platform: 'telegram', channelId: '7001', messageId: '999999' }, reminder));
    expect(error.permanent).toBe(true);
  });

  it('a recipient of another platform or another bot is refused before any call', async () => {
    expect((await refusal(h.adapter.port.send({ ...to, platform: 'slack' }, reminder))).permanent).toBe(true);
    expect((await refusal(h.adapter.port.send({ ...to, scope: '42' }, reminder))).permanent).toBe(true);
    expect(h.fake.calls).toEqual([]);
  });

  it('the Bot API token never appears in an error', async () => {
    h.fake.failNext('sendMessage', { status: 400, description: 'Bad Request: chat not found' });
    const error = await refusal(h.adapter.port.send(to, reminder));
    const secretPart = h.fake.token.split(':')[1]!;
    expect(JSON.stringify({ message: error.message, stack: error.stack, cause: String(error.cause) })).not.toContain(secretPart);
  });
});

describe('Telegram pacing', () => {
  it('a second message to one chat waits its turn (about one a second), another chat does not; shared through Redis', async () => {
    const now = 1_900_000_000_000;
    const paced = await startTelegramHarness({ bot: noBot, pacing: { perChatMs: 1000, overallMs: 0 }, now: () => now });
    try {
      const recipient = (id: string): Recipient => ({ platform: 'telegram', scope: String(paced.fake.botId), platformUserId: id });
      await paced.adapter.port.send(recipient('1'), reminder);
      await paced.adapter.port.send(recipient('1'), reminder);
      await paced.adapter.port.send(recipient('2'), reminder);
      await paced.adapter.port.send(recipient('1'), reminder);
      expect(paced.waits).toEqual([1000, 2000]);
    } finally {
      await paced.close();
    }
  });
});

describe('Telegram that does not answer', () => {
  it('a send is given up (a retryable delivery error, the token not in it) rather than holding the job, and the next send goes through', async () => {
    // Shorter than the adapter's 5 s so the test does not idle; the fake never answers the stalled call.
    const hung = await startTelegramHarness({ bot: noBot, callTimeoutMs: 1_500 });
    try {
      const recipient: Recipient = { platform: 'telegram', scope: String(hung.fake.botId), platformUserId: '7001' };
      hung.fake.stallNext('sendMessage');
      const error = await refusal(hung.adapter.port.send(recipient, reminder));
      expect(error.permanent).toBe(false);
      expect(error.message).not.toContain(hung.fake.token.split(':')[1]!);
      await expect(hung.adapter.port.send(recipient, reminder)).resolves.toMatchObject({ platform: 'telegram' });
    } finally {
      await hung.close();
    }
  });
});
