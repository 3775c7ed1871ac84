import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createActionSigner } from '../../../src/bot/index.ts';
import { packId, packInstant, packInt } from '../../../src/bot/compact.ts';
import { renderView, TELEGRAM_LIMITS } from '../../../src/adapters/telegram/render.ts';

// Every action the bot signs fits Telegram's callback_data. The bot's buttons carry a verb of at
// most three letters and at most one id plus two small parts (a day and a page, or a slot start, or
// a rating): the largest of them, signed for anyone at any time until 2080, rendered as Telegram
// sends it, stays within 64 bytes and comes back as the same action.

const SHAPES = [
  fc.uuid().map(packId),
  fc.date({ min: new Date('2020-01-01T00:00:00Z'), max: new Date('2084-01-01T00:00:00Z'), noInvalidDate: true }).map(packInstant),
  fc.integer({ min: 0, max: 200_000 }).map(packInt),
  fc.constant('-'),
];
const small = fc.oneof(...SHAPES.slice(1));
const args = fc.tuple(fc.option(SHAPES[0]!, { nil: undefined }), fc.array(small, { maxLength: 2 })).map(([id, rest]) => (id ? [id, ...rest] : rest));
const verb = fc.stringMatching(/^[a-zA-Z]{1,3}$/);
const subject = fc.oneof(
  fc.uuid().map((id) => `u:${id}`),
  fc.bigInt({ min: 1n, max: 2n ** 52n }).map((id) => `c:telegram:${id}:${id}`),
);
const now = fc.date({ min: new Date('2024-01-01T00:00:00Z'), max: new Date('2080-01-01T00:00:00Z'), noInvalidDate: true });

describe('bot actions as Telegram callback_data', () => {
  it('every signed action of the shapes the bot uses is 1-64 bytes of callback_data and verifies back to itself', () => {
    const signer = createActionSigner('a secret for the property test');
    fc.assert(
      fc.property(verb, args, subject, now, (v, a, s, at) => {
        const token = signer.sign(s, v, a, at);
        const message = renderView({ summary: 'x', blocks: [{ type: 'actions', elements: [{ type: 'button', label: 'Go', action: token }] }] });
        const data = message.reply_markup.inline_keyboard[0]![0]!.callback_data;
        expect(Buffer.byteLength(data)).toBeGreaterThanOrEqual(1);
        expect(Buffer.byteLength(data)).toBeLessThanOrEqual(TELEGRAM_LIMITS.callbackDataBytes);
        expect(signer.verify(data, [s], at)).toEqual({ ok: true, verb: v, args: a });
      }),
      { numRuns: 500 },
    );
  });
});
