import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config.ts';
import { messageUpdate, startTelegramHarness, WEBHOOK_SECRET } from './harness.ts';

// The bot token is part of every Bot API URL and the webhook secret arrives in every update: neither
// may reach the logs, whatever fails.

describe('Telegram secrets stay out of the logs', () => {
  it('an unreachable Bot API and a wrong webhook secret are logged without the token or either secret', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const bot = { handle: async () => [{ type: 'reply' as const, view: { summary: 'hi', blocks: [{ type: 'text' as const, text: 'hi' }] } }] };
    const h = await startTelegramHarness({ bot, logger: pino({ level: 'trace' }, sink) });
    try {
      const guess = 'a_guessed_secret_that_is_wrong';
      expect((await h.post(messageUpdate({ id: 1, first_name: 'Eve' }, '/book'), { secret: guess })).status).toBe(401);
      await h.fake.close();
      await h.deliver(messageUpdate({ id: 2, first_name: 'Bob' }, '/book'));
      const logs = lines.join('');
      expect(logs).toMatch(/missing or wrong secret token/);
      expect(logs).toMatch(/update failed/);
      expect(logs).toMatch(/ECONNREFUSED/);
      for (const secret of [h.fake.token.split(':')[1]!, WEBHOOK_SECRET, guess]) expect(logs).not.toContain(secret);
    } finally {
      await h.close();
    }
  });

  it('a malformed token or webhook secret is a configuration error that names the variable, not the value', () => {
    const bad = 'not-a-token-but-a-secret-value';
    expect(() => loadConfig({ TELEGRAM_BOT_TOKEN: bad, TELEGRAM_MODE: 'polling' })).toThrow(/TELEGRAM_BOT_TOKEN/);
    expect(() => loadConfig({ TELEGRAM_BOT_TOKEN: bad, TELEGRAM_MODE: 'polling' })).not.toThrow(new RegExp(bad));
    expect(() => loadConfig({ TELEGRAM_BOT_TOKEN: '1:abc', TELEGRAM_WEBHOOK_URL: 'https://x.test/hook' })).toThrow(/TELEGRAM_WEBHOOK_SECRET/);
    expect(() => loadConfig({ TELEGRAM_BOT_TOKEN: '1:abc', TELEGRAM_WEBHOOK_URL: 'https://x.test/hook', TELEGRAM_WEBHOOK_SECRET: 'short' })).toThrow(/TELEGRAM_WEBHOOK_SECRET/);
    expect(loadConfig({ TELEGRAM_BOT_TOKEN: '1:abc', TELEGRAM_MODE: 'polling' }).TELEGRAM_MODE).toBe('polling');
    expect(loadConfig({}).TELEGRAM_BOT_TOKEN).toBeUndefined();
  });
});
