import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LIMITS, type Block, type Form, type View } from '../../../src/bot/view.ts';
import { renderFormStart, renderView, TELEGRAM_LIMITS, TelegramRenderError } from '../../../src/adapters/telegram/render.ts';

// Any view the bot may build (within LIMITS) renders to a message Telegram accepts: text of
// 1-4096 characters with entities inside it, and callback_data of 1-64 bytes that is exactly the
// action token, so nothing is lost or altered on the way back.

const text = (max: number) => fc.string({ unit: 'grapheme', maxLength: max });
const action = fc
  .string({ unit: fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.:|'.split('')), minLength: 1, maxLength: LIMITS.actionBytes });
const button = fc.record({ type: fc.constant('button' as const), label: text(LIMITS.buttonLabel), action, style: fc.option(fc.constantFrom('primary' as const, 'danger' as const), { nil: undefined }) });
const select = fc.record({
  type: fc.constant('select' as const),
  placeholder: text(LIMITS.placeholder),
  options: fc.array(fc.record({ label: text(LIMITS.optionLabel), action, description: fc.option(text(LIMITS.optionLabel), { nil: undefined }) }), { minLength: 1, maxLength: LIMITS.selectOptions }),
});
const block: fc.Arbitrary<Block> = fc.oneof(
  fc.record({ type: fc.constant('header' as const), text: text(LIMITS.header) }),
  fc.record({ type: fc.constant('text' as const), text: text(LIMITS.messageChars) }),
  fc.record({ type: fc.constant('fields' as const), fields: fc.array(fc.record({ label: text(40), value: text(LIMITS.fieldChars) }), { maxLength: LIMITS.fields }) }),
  fc.record({ type: fc.constant('actions' as const), elements: fc.array(fc.oneof(button, select), { minLength: 1, maxLength: LIMITS.buttonsPerRow }) }),
  fc.constant({ type: 'divider' as const }),
);
const view: fc.Arbitrary<View> = fc.record({ summary: text(200), blocks: fc.array(block, { maxLength: 12 }) });

function actionsOf(v: View): string[] {
  return v.blocks.flatMap((b) => (b.type === 'actions' ? b.elements.flatMap((e) => (e.type === 'button' ? [e.action] : e.options.map((o) => o.action))) : []));
}

describe('Telegram renderer', () => {
  it('every callback_data is 1-64 bytes and is the action token itself; text is 1-4096 characters with entities inside it', () => {
    fc.assert(
      fc.property(view, (v) => {
        const message = renderView(v);
        const data = message.reply_markup.inline_keyboard.flat().map((b) => b.callback_data);
        for (const d of data) expect(Buffer.byteLength(d)).toBeLessThanOrEqual(TELEGRAM_LIMITS.callbackDataBytes);
        expect(data).toEqual(actionsOf(v));
        for (const row of message.reply_markup.inline_keyboard) expect(row.length).toBeLessThanOrEqual(TELEGRAM_LIMITS.buttonsPerRow);
        expect(message.text.length).toBeGreaterThan(0);
        expect(message.text.length).toBeLessThanOrEqual(TELEGRAM_LIMITS.messageText);
        for (const e of message.entities) {
          expect(e.length).toBeGreaterThan(0);
          expect(e.offset + e.length).toBeLessThanOrEqual(message.text.length);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('a text longer than Telegram takes is cut at 4096 characters, never inside a surrogate pair', () => {
    fc.assert(
      fc.property(fc.integer({ min: 4000, max: 6000 }), fc.string({ unit: 'grapheme', minLength: 1, maxLength: 3 }), (n, unit) => {
        const message = renderView({ summary: 's', blocks: [{ type: 'header', text: 'Title' }, { type: 'text', text: unit.repeat(n) }] });
        expect(message.text.length).toBeLessThanOrEqual(TELEGRAM_LIMITS.messageText);
        expect(message.text).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/);
        expect(message.entities[0]).toEqual({ type: 'bold', offset: 0, length: 5 });
      }),
      { numRuns: 100 },
    );
  });

  it('refuses an action token over 64 bytes or one in the adapter\'s own ~ namespace, before any call', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 65, maxLength: 200 }), (long) => {
        const v: View = { summary: 'x', blocks: [{ type: 'actions', elements: [{ type: 'button', label: 'Go', action: long }] }] };
        if (Buffer.byteLength(long) > 64) expect(() => renderView(v)).toThrow(TelegramRenderError);
      }),
      { numRuns: 100 },
    );
    expect(() => renderView({ summary: 'x', blocks: [{ type: 'actions', elements: [{ type: 'button', label: 'Go', action: '~skip' }] }] })).toThrow(TelegramRenderError);
    // 64 bytes of multi-byte characters are fewer than 64 characters but still the limit.
    expect(() => renderView({ summary: 'x', blocks: [{ type: 'actions', elements: [{ type: 'button', label: 'Go', action: 'é'.repeat(33) }] }] })).toThrow(TelegramRenderError);
  });

  it('a select becomes a column of buttons, one option per row, and its placeholder a line of text', () => {
    const message = renderView({
      summary: 'Pick',
      blocks: [
        { type: 'text', text: 'Tuesday' },
        { type: 'actions', elements: [{ type: 'select', placeholder: 'Choose a time', options: [{ label: '09:00', action: 'a1' }, { label: '10:00', action: 'a2' }] }, { type: 'button', label: 'Back', action: 'b' }] },
      ],
    });
    expect(message.text).toBe('Tuesday\nChoose a time');
    expect(message.reply_markup.inline_keyboard).toEqual([[{ text: '09:00', callback_data: 'a1' }], [{ text: '10:00', callback_data: 'a2' }], [{ text: 'Back', callback_data: 'b' }]]);
  });

  it('an empty view falls back to its summary, so Telegram never gets an empty message', () => {
    expect(renderView({ summary: 'Nothing here', blocks: [] }).text).toBe('Nothing here');
  });

  it('a form opens with its first question under its title', () => {
    const form: Form = { title: 'Sign up', submit: 'sub', submitLabel: 'Send', inputs: [{ id: 'goals', label: 'Your goals', style: 'paragraph', required: true, maxLength: 500 }] };
    expect(renderFormStart(form, 'What are your goals?')).toEqual({ text: 'Sign up\nWhat are your goals?', entities: [{ type: 'bold', offset: 0, length: 7 }], reply_markup: { inline_keyboard: [] } });
    expect(renderFormStart(form, 'Sign up: Your goals').text).toBe('Sign up: Your goals');
  });
});
