/* eslint-disable @typescript-eslint/no-explicit-any -- the checker walks the payload as Slack does: as untyped JSON */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { renderHome, renderMessage, renderModal } from '../../../src/adapters/slack/render.ts';
import type { Block, Form, View } from '../../../src/bot/view.ts';

// Slack refuses a whole message, modal or Home tab when any part breaks a Block Kit limit. The
// numbers below are Slack's documented limits, written out here rather than imported from the
// renderer, so a wrong constant there fails this test.

const len = (s: string) => Array.from(s).length;

function textObject(t: { type: string; text: string }, max: number, where: string, problems: string[]): void {
  if (len(t.text) > max) problems.push(`${where}: ${len(t.text)} > ${max}`);
  if (t.text.length === 0) problems.push(`${where}: empty text`);
}

/** Every limit broken by a list of blocks on a surface allowing `maxBlocks`. */
function slackLimitProblems(blocks: readonly object[], maxBlocks: number): string[] {
  const problems: string[] = [];
  if (blocks.length > maxBlocks) problems.push(`${blocks.length} blocks > ${maxBlocks}`);
  const actionIds = new Set<string>();
  for (const [i, block] of blocks.entries()) {
    const b = block as Record<string, any>;
    if (b.type === 'header') textObject(b.text, 150, `header ${i}`, problems);
    if (b.type === 'section') {
      if (b.text) textObject(b.text, 3000, `section ${i}`, problems);
      if (b.fields) {
        if (b.fields.length > 10) problems.push(`section ${i}: ${b.fields.length} fields > 10`);
        for (const f of b.fields) textObject(f, 2000, `field in ${i}`, problems);
      }
      if (!b.text && !b.fields?.length) problems.push(`section ${i} has neither text nor fields`);
    }
    if (b.type === 'actions') {
      if (b.elements.length > 25) problems.push(`actions ${i}: ${b.elements.length} elements > 25`);
      if (b.elements.length === 0) problems.push(`actions ${i}: no elements`);
      for (const e of b.elements) {
        if (e.action_id.length > 255) problems.push(`action_id > 255`);
        if (actionIds.has(e.action_id)) problems.push(`duplicate action_id ${e.action_id}`);
        actionIds.add(e.action_id);
        if (e.type === 'button') {
          textObject(e.text, 75, `button in ${i}`, problems);
          if (e.value.length > 2000) problems.push('button value > 2000');
        } else {
          textObject(e.placeholder, 150, `placeholder in ${i}`, problems);
          if (e.options.length > 100) problems.push(`${e.options.length} options > 100`);
          if (e.options.length === 0) problems.push('select without options');
          for (const o of e.options) {
            textObject(o.text, 75, 'option text', problems);
            if (o.value.length > 150) problems.push('option value > 150');
            if (o.description) textObject(o.description, 75, 'option description', problems);
          }
        }
      }
    }
    if (b.type === 'input') {
      textObject(b.label, 2000, `input label ${i}`, problems);
      if (b.block_id.length > 255) problems.push('block_id > 255');
      if (b.element.max_length > 3000 || b.element.max_length < 1) problems.push(`max_length ${b.element.max_length}`);
      if (b.element.placeholder) textObject(b.element.placeholder, 150, 'input placeholder', problems);
      if (b.element.initial_value && len(b.element.initial_value) > b.element.max_length) problems.push('initial value longer than max_length');
    }
  }
  return problems;
}

// Texts from empty to well past every limit, with astral characters that count as two UTF-16 units.
const text = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'grapheme', minLength: 60, maxLength: 200 }),
  fc.string({ minLength: 1990, maxLength: 3100 }),
);
const action = fc.string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789:._-'.split('')), minLength: 1, maxLength: 64 });
const button = fc.record({ type: fc.constant('button' as const), label: text, action, style: fc.option(fc.constantFrom('primary' as const, 'danger' as const), { nil: undefined }) });
const select = fc.record({
  type: fc.constant('select' as const),
  placeholder: text,
  options: fc.array(fc.record({ label: text, action, description: fc.option(text, { nil: undefined }) }), { maxLength: 130 }),
});
const block: fc.Arbitrary<Block> = fc.oneof(
  fc.record({ type: fc.constant('header' as const), text }),
  fc.record({ type: fc.constant('text' as const), text }),
  fc.record({ type: fc.constant('fields' as const), fields: fc.array(fc.record({ label: text, value: text }), { maxLength: 25 }) }),
  fc.record({ type: fc.constant('actions' as const), elements: fc.array(fc.oneof(button, select), { maxLength: 40 }) }),
  fc.record({ type: fc.constant('divider' as const) }),
);
const view: fc.Arbitrary<View> = fc.record({ summary: text, blocks: fc.array(block, { maxLength: 70 }) });
const smallView: fc.Arbitrary<View> = fc.record({ summary: text, blocks: fc.array(block, { maxLength: 6 }) });
const form: fc.Arbitrary<Form> = fc.record({
  title: text,
  submit: action,
  submitLabel: text,
  inputs: fc.array(
    fc.record({
      id: action,
      label: text,
      style: fc.constantFrom('text' as const, 'paragraph' as const),
      required: fc.boolean(),
      maxLength: fc.integer({ min: 1, max: 6000 }),
      placeholder: fc.option(text, { nil: undefined }),
      initial: fc.option(text, { nil: undefined }),
    }),
    { maxLength: 8 },
  ),
});

describe('Block Kit rendering stays within Slack limits', () => {
  it('any view renders to a message within 50 blocks and every element limit', () => {
    fc.assert(
      fc.property(view, (v) => {
        const message = renderMessage(v);
        expect(slackLimitProblems(message.blocks, 50)).toEqual([]);
        expect(len(message.text)).toBeLessThanOrEqual(3000);
      }),
      { numRuns: 150 },
    );
  });

  it('any view renders to a Home tab within 100 blocks', () => {
    fc.assert(
      fc.property(view, (v) => {
        const home = renderHome(v);
        expect(home.type).toBe('home');
        expect(slackLimitProblems(home.blocks, 100)).toEqual([]);
      }),
      { numRuns: 100 },
    );
  });

  it('any form renders to a modal within the title, button, metadata and input limits', () => {
    fc.assert(
      fc.property(form, fc.string({ maxLength: 20 }), (f, channel) => {
        const modal = renderModal(f, { channel });
        expect(len(modal.title.text)).toBeLessThanOrEqual(24);
        expect(len(modal.submit!.text)).toBeLessThanOrEqual(24);
        expect(modal.callback_id!.length).toBeLessThanOrEqual(255);
        expect(modal.private_metadata!.length).toBeLessThanOrEqual(3000);
        expect(slackLimitProblems(modal.blocks, 100)).toEqual([]);
      }),
      { numRuns: 100 },
    );
  });

  it('keeps every action token intact in the value it sends back', () => {
    fc.assert(
      fc.property(smallView, (v) => {
        const sent = new Set<string>();
        for (const b of renderMessage(v).blocks as Record<string, any>[]) {
          if (b.type !== 'actions') continue;
          for (const e of b.elements) {
            if (e.type === 'button') sent.add(e.value);
            else for (const o of e.options) sent.add(o.value);
          }
        }
        const offered = v.blocks.flatMap((b) =>
          b.type !== 'actions' ? [] : b.elements.flatMap((e) => (e.type === 'button' ? [e.action] : e.options.slice(0, 100).map((o) => o.action))),
        );
        for (const a of offered) expect(sent.has(a)).toBe(true);
      }),
      { numRuns: 100 },
    );
  });

  it('user text cannot become a Slack mention or link in fields', () => {
    const blocks = renderMessage({ summary: 's', blocks: [{ type: 'fields', fields: [{ label: '<!channel>', value: '<https://evil|click> & co' }] }] }).blocks;
    const field = (blocks[0] as any).fields[0].text as string;
    expect(field).not.toContain('<');
    expect(field).toContain('&lt;!channel&gt;');
  });
});
