import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LIMITS, type Block, type Button, type Form, type Select, type View } from '../../../src/bot/view.ts';
import { discordLimitIssues, renderMessage, renderModal } from '../../../src/adapters/discord/render.ts';

// Discord's builders check none of its component limits, so the renderer must: any view within
// the bot's own LIMITS renders to a message and a modal Discord accepts.

const hostile = fc.oneof(
  fc.string({ maxLength: 120 }),
  fc.constantFrom('@everyone', '<@123456789012345678>', '**bold** _it_ `code` ~~x~~ ||spoiler||', '# heading', '> quote', '\u0000\ud83d\ude00', ''),
  fc.string({ unit: 'grapheme', maxLength: 200 }),
);
const token = fc.stringMatching(/^[A-Za-z0-9._~-]{1,64}$/);
const button: fc.Arbitrary<Button> = fc.record({ type: fc.constant('button' as const), label: hostile, action: token, style: fc.constantFrom(undefined, 'primary' as const, 'danger' as const) });
const select: fc.Arbitrary<Select> = fc.record({
  type: fc.constant('select' as const),
  placeholder: hostile,
  options: fc.array(fc.record({ label: hostile, action: token, description: fc.option(hostile, { nil: undefined }) }), { maxLength: LIMITS.selectOptions }),
});
const block: fc.Arbitrary<Block> = fc.oneof(
  fc.record({ type: fc.constant('header' as const), text: hostile }),
  fc.record({ type: fc.constant('text' as const), text: fc.oneof(hostile, fc.string({ maxLength: 3000 })) }),
  fc.record({ type: fc.constant('fields' as const), fields: fc.array(fc.record({ label: hostile, value: hostile }), { maxLength: LIMITS.fields }) }),
  fc.record({ type: fc.constant('actions' as const), elements: fc.array(fc.oneof(button, select), { minLength: 1, maxLength: 5 }) }),
  fc.constant({ type: 'divider' as const }),
);
const view: fc.Arbitrary<View> = fc.record({ summary: hostile, blocks: fc.array(block, { maxLength: 12 }) });
const form: fc.Arbitrary<Form> = fc.record({
  title: hostile,
  submit: token,
  submitLabel: hostile,
  inputs: fc.array(
    fc.record({
      id: fc.stringMatching(/^[a-z]{1,20}$/),
      label: hostile,
      style: fc.constantFrom('text' as const, 'paragraph' as const),
      required: fc.boolean(),
      maxLength: fc.integer({ min: 1, max: LIMITS.inputMaxLength }),
      placeholder: fc.option(hostile, { nil: undefined }),
      initial: fc.option(fc.string({ maxLength: 500 }), { nil: undefined }),
    }),
    { maxLength: LIMITS.formInputs },
  ),
});

describe('Discord rendering', () => {
  it('renders every view within Discord message and component limits', () => {
    fc.assert(
      fc.property(view, fc.boolean(), (v, ephemeral) => {
        expect(discordLimitIssues(renderMessage(v, { ephemeral }))).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });

  it('renders every form as a modal within Discord limits', () => {
    fc.assert(
      fc.property(form, (f) => {
        expect(discordLimitIssues(renderModal(f))).toEqual([]);
      }),
      { numRuns: 200 },
    );
  });

  it('never lets user text mention anyone or format the message', () => {
    const message = renderMessage({ summary: 's', blocks: [{ type: 'text', text: '@everyone **hi** <@1>' }] });
    expect(message.allowed_mentions).toEqual({ parse: [] });
    expect(message.content).toContain('\\*\\*hi\\*\\*');
  });

  it('splits buttons into rows of five and keeps each action as the custom id', () => {
    const buttons = Array.from({ length: 7 }, (_, i): Button => ({ type: 'button', label: `b${i}`, action: `a.${i}` }));
    const message = renderMessage({ summary: 's', blocks: [{ type: 'actions', elements: buttons }] });
    const rows = message.components as { components: { custom_id: string }[] }[];
    expect(rows.map((r) => r.components.length)).toEqual([5, 2]);
    expect(rows.flatMap((r) => r.components.map((c) => c.custom_id))).toEqual(buttons.map((b) => b.action));
  });

  it('flags a payload over the limits (the check can fail)', () => {
    const buttons = Array.from({ length: 6 }, (_, i) => ({ type: 2, style: 1, label: 'x', custom_id: `c${i}` }));
    expect(discordLimitIssues({ content: 'x'.repeat(2001), components: [{ type: 1, components: buttons }] } as never)).toEqual([
      'content too long',
      'too many components in a row',
    ]);
  });
});
