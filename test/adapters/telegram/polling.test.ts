import { describe, expect, it } from 'vitest';
import type { Effect, Inbound } from '../../../src/bot/inbound.ts';
import { messageUpdate, startTelegramHarness } from './harness.ts';

// Long polling, for a local run without a public URL: the same handling, fed by getUpdates.

describe('Telegram adapter in polling mode', () => {
  it('removes the webhook, takes updates from getUpdates, de-duplicates them, and stops cleanly', async () => {
    const inbounds: Inbound[] = [];
    const bot = {
      async handle(inbound: Inbound): Promise<Effect[]> {
        inbounds.push(inbound);
        return [{ type: 'reply', view: { summary: 'hi', blocks: [{ type: 'text', text: 'Hi there' }] } }];
      },
    };
    const h = await startTelegramHarness({ bot, mode: 'polling' });
    try {
      await h.fake.waitFor('getUpdates');
      expect(h.fake.calls.map((c) => c.method).slice(0, 3)).toEqual(['getMe', 'setMyCommands', 'deleteWebhook']);
      expect(h.adapter.webhookAddress()).toBeUndefined();
      const update = messageUpdate({ id: 6001, first_name: 'Poll' }, '/next');
      h.fake.pushUpdate(update);
      await h.fake.waitFor('sendMessage', 1);
      // The same update served again (a restarted poller that had not confirmed it) is skipped.
      h.fake.pushUpdate(update);
      h.fake.pushUpdate(messageUpdate({ id: 6001, first_name: 'Poll' }, '/sessions'));
      await h.fake.waitFor('sendMessage', 2);
      expect(inbounds.map((i) => (i.type === 'command' ? i.name : i.type))).toEqual(['next', 'sessions']);
    } finally {
      await h.close();
    }
  });
});
