import type { types } from '@slack/bolt';
import type { Block, Button, Form, Select, View } from '../../bot/view.ts';

// The bot's neutral views as Block Kit. Slack refuses a whole payload when one part is over its
// limit, so every text is clipped here and long lists are split, whatever the view holds: the
// renderer's output always fits (test/adapters/slack/render.test.ts checks it on random views).

/** Slack's documented Block Kit limits (docs.slack.dev/reference/block-kit). */
export const SLACK_LIMITS = {
  messageBlocks: 50,
  surfaceBlocks: 100,
  actionsElements: 25,
  sectionText: 3000,
  sectionFields: 10,
  fieldText: 2000,
  headerText: 150,
  buttonText: 75,
  actionId: 255,
  blockId: 255,
  buttonValue: 2000,
  selectOptions: 100,
  optionText: 75,
  optionValue: 150,
  optionDescription: 75,
  placeholder: 150,
  modalTitle: 24,
  modalButton: 24,
  callbackId: 255,
  privateMetadata: 3000,
  inputLabel: 2000,
  inputMaxLength: 3000,
  inputInitial: 3000,
  /** chat.postMessage `text` is truncated past 40,000; notifications show far less. */
  messageText: 3000,
} as const;

/** The input's element action id inside its input block (block_id is the input's own id). */
export const INPUT_ACTION_ID = 'value';

export class UnrenderableActionError extends Error {
  constructor(token: string, limit: number) {
    super(`action token of ${token.length} characters exceeds Slack's ${limit}`);
    this.name = 'UnrenderableActionError';
  }
}

/** Cuts to `max` characters (code points, never half a surrogate pair), marking the cut. */
export function clip(text: string, max: number): string {
  const chars = Array.from(text);
  if (chars.length <= max) return text;
  return `${chars.slice(0, max - 1).join('')}…`;
}

function plain(text: string, max: number): types.PlainTextElement {
  // Slack refuses an empty text object.
  return { type: 'plain_text', text: clip(text || ' ', max), emoji: true };
}

/** mrkdwn with the three characters Slack asks to escape, so user text never becomes a mention or link. */
function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function token(action: string, max: number): string {
  if (action.length > max) throw new UnrenderableActionError(action, max);
  return action;
}

/** Gives every interactive element a unique action_id; the token itself travels in `value`. */
class ActionIds {
  private next = 0;
  take(): string {
    return `a${this.next++}`;
  }
}

function button(b: Button, ids: ActionIds): types.Button {
  return {
    type: 'button',
    action_id: ids.take(),
    text: plain(b.label, SLACK_LIMITS.buttonText),
    value: token(b.action, SLACK_LIMITS.buttonValue),
    ...(b.style ? { style: b.style } : {}),
  };
}

function select(s: Select, ids: ActionIds): types.StaticSelect {
  return {
    type: 'static_select',
    action_id: ids.take(),
    placeholder: plain(s.placeholder, SLACK_LIMITS.placeholder),
    options: s.options.slice(0, SLACK_LIMITS.selectOptions).map((o) => ({
      text: plain(o.label, SLACK_LIMITS.optionText),
      value: token(o.action, SLACK_LIMITS.optionValue),
      ...(o.description ? { description: plain(o.description, SLACK_LIMITS.optionDescription) } : {}),
    })),
  };
}

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

function renderBlock(block: Block, ids: ActionIds): types.KnownBlock[] {
  switch (block.type) {
    case 'header':
      return [{ type: 'header', text: plain(block.text, SLACK_LIMITS.headerText) }];
    case 'text':
      return [{ type: 'section', text: plain(block.text, SLACK_LIMITS.sectionText) }];
    case 'fields':
      return chunks(block.fields, SLACK_LIMITS.sectionFields).map((fields) => ({
        type: 'section',
        fields: fields.map((f) => ({
          type: 'mrkdwn',
          text: clip(`*${escapeMrkdwn(f.label)}*\n${escapeMrkdwn(f.value)}`, SLACK_LIMITS.fieldText),
        })),
      }));
    case 'actions': {
      // A select with no options is refused by Slack: leave it out.
      const usable = block.elements.filter((e) => e.type === 'button' || e.options.length > 0);
      return chunks(usable, SLACK_LIMITS.actionsElements).map((elements) => ({
        type: 'actions',
        elements: elements.map((e) => (e.type === 'button' ? button(e, ids) : select(e, ids))),
      }));
    }
    case 'divider':
      return [{ type: 'divider' }];
  }
}

/** The blocks of a view on a surface holding at most `maxBlocks` (50 in messages, 100 in Home and modals). */
export function renderBlocks(view: View, maxBlocks: number = SLACK_LIMITS.messageBlocks): types.KnownBlock[] {
  const ids = new ActionIds();
  const blocks = view.blocks.flatMap((b) => renderBlock(b, ids));
  if (blocks.length <= maxBlocks) return blocks;
  const kept = blocks.slice(0, maxBlocks - 1);
  kept.push({ type: 'section', text: plain('(more than fits here)', SLACK_LIMITS.sectionText) });
  return kept;
}

/**
 * chat.postMessage / chat.update arguments for a view: blocks plus the notification text. Slack
 * reads that text as mrkdwn, so it is escaped like the blocks: a name cannot ping a channel.
 */
export function renderMessage(view: View): { text: string; blocks: types.KnownBlock[] } {
  return { text: clip(escapeMrkdwn(view.summary || ' '), SLACK_LIMITS.messageText), blocks: renderBlocks(view) };
}

/** The App Home tab showing a view. */
export function renderHome(view: View): types.HomeView {
  return { type: 'home', blocks: renderBlocks(view, SLACK_LIMITS.surfaceBlocks) };
}

/** Where a modal's answer should go once submitted, kept in its private_metadata. */
export interface FormOrigin {
  /** The channel the form was opened from (where replies go), when there was one. */
  channel?: string;
}

/** A form as a modal for views.open. */
/**
 * A refused form's answer to its view_submission (`response_action: errors`): the modal stays open
 * with every answer, and the refused input says what to fix.
 */
export function renderFormErrors(form: Form): { response_action: 'errors'; errors: Record<string, string> } | null {
  if (!form.refused) return null;
  return { response_action: 'errors', errors: { [token(form.refused.input, SLACK_LIMITS.blockId)]: clip(form.refused.message, SLACK_LIMITS.sectionText) } };
}

export function renderModal(form: Form, origin: FormOrigin): types.ModalView {
  return {
    type: 'modal',
    callback_id: token(form.submit, SLACK_LIMITS.callbackId),
    title: plain(form.title, SLACK_LIMITS.modalTitle),
    submit: plain(form.submitLabel, SLACK_LIMITS.modalButton),
    close: plain('Cancel', SLACK_LIMITS.modalButton),
    private_metadata: clip(JSON.stringify(origin), SLACK_LIMITS.privateMetadata),
    blocks: form.inputs.slice(0, SLACK_LIMITS.surfaceBlocks).map((input) => ({
      type: 'input',
      block_id: token(input.id, SLACK_LIMITS.blockId),
      optional: !input.required,
      label: plain(input.label, SLACK_LIMITS.inputLabel),
      element: {
        type: 'plain_text_input',
        action_id: INPUT_ACTION_ID,
        multiline: input.style === 'paragraph',
        max_length: Math.max(1, Math.min(input.maxLength, SLACK_LIMITS.inputMaxLength)),
        ...(input.placeholder ? { placeholder: plain(input.placeholder, SLACK_LIMITS.placeholder) } : {}),
        ...(input.initial ? { initial_value: clip(input.initial, Math.min(input.maxLength, SLACK_LIMITS.inputInitial)) } : {}),
      },
    })),
  };
}
