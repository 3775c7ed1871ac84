import type { Block, Button, Form, Select, View } from '../../bot/view.ts';

// The bot's neutral views as Telegram messages: plain text with bold/italic entities (no HTML or
// Markdown, so nothing needs escaping and lengths are what the user sees) and an inline keyboard.

/** Telegram's limits for what we send (Bot API: sendMessage, InlineKeyboardButton). */
export const TELEGRAM_LIMITS = {
  messageText: 4096,
  callbackDataBytes: 64,
  buttonsPerRow: 8,
  callbackAnswer: 200,
} as const;

export interface MessageEntity {
  type: 'bold' | 'italic';
  offset: number;
  length: number;
}

export interface InlineButton {
  text: string;
  callback_data: string;
}

export interface TelegramMessage {
  text: string;
  entities: MessageEntity[];
  reply_markup: { inline_keyboard: InlineButton[][] };
}

/** A view that cannot be sent as it is: a bot bug, reported before any API call. */
export class TelegramRenderError extends Error {
  override name = 'TelegramRenderError';
}

/** Callback data of the adapter's own buttons starts with this; the bot's tokens start with a verb. */
export const ADAPTER_PREFIX = '~';

/** Callback data Telegram accepts: 1-64 bytes. */
export function callbackData(action: string): string {
  if (action.startsWith(ADAPTER_PREFIX)) throw new TelegramRenderError(`action token starts with ${ADAPTER_PREFIX}, which the Telegram adapter keeps for itself`);
  const bytes = Buffer.byteLength(action, 'utf8');
  if (bytes < 1 || bytes > TELEGRAM_LIMITS.callbackDataBytes) {
    throw new TelegramRenderError(`action token is ${bytes} bytes; Telegram callback_data takes 1-${TELEGRAM_LIMITS.callbackDataBytes}`);
  }
  return action;
}

/** Builds text and its entities together, so offsets always match (UTF-16 units, as Telegram counts). */
class TextBuilder {
  text = '';
  entities: MessageEntity[] = [];

  line(part: string, style?: MessageEntity['type']): this {
    if (this.text) this.text += '\n';
    return this.append(part, style);
  }

  append(part: string, style?: MessageEntity['type']): this {
    if (style && part.length) this.entities.push({ type: style, offset: this.text.length, length: part.length });
    this.text += part;
    return this;
  }

  /** Cuts to `max` UTF-16 units with an ellipsis, never inside a surrogate pair, entities clipped. */
  build(max: number, fallback: string): { text: string; entities: MessageEntity[] } {
    let text = this.text.trim() ? this.text : fallback.trim() || '…';
    if (text.length <= max) return { text, entities: this.entities };
    let cut = max - 1;
    if (/[\uD800-\uDBFF]/.test(text.charAt(cut - 1))) cut--;
    text = `${text.slice(0, cut)}…`;
    const entities = this.entities
      .filter((e) => e.offset < cut)
      .map((e) => ({ ...e, length: Math.min(e.length, cut - e.offset) }));
    return { text, entities };
  }
}

function renderBlock(out: TextBuilder, block: Block): void {
  switch (block.type) {
    case 'header':
      out.line(block.text, 'bold');
      return;
    case 'text':
      out.line(block.text);
      return;
    case 'fields':
      for (const field of block.fields) out.line(`${field.label}: `, 'bold').append(field.value);
      return;
    case 'divider':
      out.line('──────────');
      return;
    case 'actions':
      // Selects have no placeholder on Telegram: say what the column of buttons is for.
      for (const element of block.elements) if (element.type === 'select' && element.placeholder) out.line(element.placeholder, 'italic');
      return;
  }
}

function button(element: Button | Select['options'][number]): InlineButton {
  return { text: element.label, callback_data: callbackData(element.action) };
}

function keyboardRows(blocks: Block[]): InlineButton[][] {
  const rows: InlineButton[][] = [];
  for (const block of blocks) {
    if (block.type !== 'actions') continue;
    let row: InlineButton[] = [];
    const flush = () => {
      if (row.length) rows.push(row);
      row = [];
    };
    for (const element of block.elements) {
      if (element.type === 'button') {
        if (row.length === TELEGRAM_LIMITS.buttonsPerRow) flush();
        row.push(button(element));
      } else {
        // A select becomes a column: one option per row, in order.
        flush();
        for (const option of element.options) rows.push([button(option)]);
      }
    }
    flush();
  }
  return rows;
}

export function renderView(view: View): TelegramMessage {
  const out = new TextBuilder();
  for (const block of view.blocks) renderBlock(out, block);
  return { ...out.build(TELEGRAM_LIMITS.messageText, view.summary), reply_markup: { inline_keyboard: keyboardRows(view.blocks) } };
}

/**
 * A form opened on Telegram: no modals, so the bot asks one input at a time in the chat and keeps
 * the answers so far (src/bot/forms.ts). The adapter shows the first question; the bot asks the rest.
 */
export function renderFormStart(form: Form, prompt: string): TelegramMessage {
  const out = new TextBuilder();
  if (!prompt.startsWith(form.title)) out.line(form.title, 'bold');
  out.line(prompt);
  return { ...out.build(TELEGRAM_LIMITS.messageText, form.title), reply_markup: { inline_keyboard: [] } };
}

/** A callback answer's text: Telegram shows at most 200 characters. */
export function callbackAnswerText(notices: string[]): string | undefined {
  const text = notices.join('\n');
  if (!text) return undefined;
  return text.length <= TELEGRAM_LIMITS.callbackAnswer ? text : `${text.slice(0, TELEGRAM_LIMITS.callbackAnswer - 1)}…`;
}
