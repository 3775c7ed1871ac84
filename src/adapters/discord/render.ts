import { escapeMarkdown } from '@discordjs/formatters';
import {
  ButtonStyle,
  ComponentType,
  MessageFlags,
  TextInputStyle,
  type APIActionRowComponent,
  type APIButtonComponentWithCustomId,
  type APIComponentInMessageActionRow,
  type APIModalInteractionResponseCallbackData,
  type RESTPostAPIChannelMessageJSONBody,
} from 'discord-api-types/v10';
import type { Block, Button, Form, Select, View } from '../../bot/view.ts';

// The bot's neutral views as Discord messages: text blocks become the message content (markdown
// escaped, so a member's name cannot format or mention anything), actions become action rows of
// at most 5 buttons, a select becomes a string select menu, a form a modal. Discord's builders do
// not enforce these limits, so this module does (DISCORD_LIMITS, checked in discordLimitIssues).

export const DISCORD_LIMITS = {
  content: 2000,
  rows: 5,
  buttonsPerRow: 5,
  buttonLabel: 80,
  customId: 100,
  selectOptions: 25,
  optionLabel: 100,
  optionValue: 100,
  optionDescription: 100,
  placeholder: 150,
  modalTitle: 45,
  modalInputs: 5,
  inputLabel: 45,
  inputValue: 4000,
} as const;

export type DiscordMessage = Pick<RESTPostAPIChannelMessageJSONBody, 'content' | 'components' | 'allowed_mentions'> & { flags?: number };

type Row = APIActionRowComponent<APIComponentInMessageActionRow>;

/** Cuts text to `max` characters, marking the cut, without splitting a surrogate pair. */
export function clip(text: string, max: number): string {
  const chars = Array.from(text);
  if (chars.length <= max) return text;
  return `${chars.slice(0, max - 1).join('')}…`;
}

function escape(text: string): string {
  return escapeMarkdown(text);
}

function blockText(block: Block): string | null {
  switch (block.type) {
    case 'header':
      return `**${escape(block.text)}**`;
    case 'text':
      return escape(block.text);
    case 'fields':
      return block.fields.map((f) => `**${escape(f.label)}:** ${escape(f.value)}`).join('\n');
    case 'divider':
      return '───';
    case 'actions':
      return null;
  }
}

function buttonOf(button: Button): APIButtonComponentWithCustomId {
  return {
    type: ComponentType.Button,
    style: button.style === 'danger' ? ButtonStyle.Danger : button.style === 'primary' ? ButtonStyle.Primary : ButtonStyle.Secondary,
    label: clip(button.label, DISCORD_LIMITS.buttonLabel),
    custom_id: button.action,
  };
}

function selectRow(select: Select, position: number): Row {
  return {
    type: ComponentType.ActionRow,
    components: [
      {
        type: ComponentType.StringSelect,
        // A select's own id only has to be unique in the message; the chosen option carries the action.
        custom_id: `select-${position}`,
        placeholder: clip(select.placeholder, DISCORD_LIMITS.placeholder),
        options: select.options.slice(0, DISCORD_LIMITS.selectOptions).map((o) => ({
          label: clip(o.label, DISCORD_LIMITS.optionLabel),
          value: o.action,
          ...(o.description ? { description: clip(o.description, DISCORD_LIMITS.optionDescription) } : {}),
        })),
      },
    ],
  };
}

function addRows(rows: Row[], elements: (Button | Select)[]): void {
  let buttons: APIButtonComponentWithCustomId[] = [];
  const flush = () => {
    if (buttons.length) rows.push({ type: ComponentType.ActionRow, components: buttons });
    buttons = [];
  };
  for (const element of elements) {
    if (element.type === 'select') {
      flush();
      if (element.options.length) rows.push(selectRow(element, rows.length));
      continue;
    }
    buttons.push(buttonOf(element));
    if (buttons.length === DISCORD_LIMITS.buttonsPerRow) flush();
  }
  flush();
}

/** A view as a Discord message body. Mentions never ping: names and notes are user text. */
export function renderMessage(view: View, options: { ephemeral?: boolean } = {}): DiscordMessage {
  const text = view.blocks.map(blockText).filter((t): t is string => t !== null && t.length > 0).join('\n\n');
  const components: Row[] = [];
  for (const block of view.blocks) if (block.type === 'actions') addRows(components, block.elements);
  return {
    content: clip(text || escape(view.summary) || '…', DISCORD_LIMITS.content),
    components: components.slice(0, DISCORD_LIMITS.rows),
    allowed_mentions: { parse: [] },
    ...(options.ephemeral ? { flags: MessageFlags.Ephemeral } : {}),
  };
}

/** A form as a modal: one text input per row, at most five (the bot's forms respect that). */
export function renderModal(form: Form): APIModalInteractionResponseCallbackData {
  return {
    custom_id: form.submit,
    title: clip(form.title, DISCORD_LIMITS.modalTitle),
    components: form.inputs.slice(0, DISCORD_LIMITS.modalInputs).map((input) => ({
      type: ComponentType.ActionRow,
      components: [
        {
          type: ComponentType.TextInput,
          custom_id: input.id,
          label: clip(input.label, DISCORD_LIMITS.inputLabel),
          style: input.style === 'paragraph' ? TextInputStyle.Paragraph : TextInputStyle.Short,
          required: input.required,
          max_length: Math.min(input.maxLength, DISCORD_LIMITS.inputValue),
          ...(input.placeholder ? { placeholder: clip(input.placeholder, 100) } : {}),
          ...(input.initial ? { value: clip(input.initial, Math.min(input.maxLength, DISCORD_LIMITS.inputValue)) } : {}),
        },
      ],
    })),
  };
}

/**
 * Everything in a rendered message or modal that Discord would refuse (400), as readable lines;
 * empty when it is within every limit. The renderer's property test holds it to empty.
 */
export function discordLimitIssues(payload: DiscordMessage | APIModalInteractionResponseCallbackData): string[] {
  const issues: string[] = [];
  const count = (s: string | undefined) => Array.from(s ?? '').length;
  if ('title' in payload) {
    if (count(payload.title) > DISCORD_LIMITS.modalTitle) issues.push('modal title too long');
    if (count(payload.custom_id) > DISCORD_LIMITS.customId) issues.push('modal custom_id too long');
    if (payload.components.length > DISCORD_LIMITS.modalInputs) issues.push('too many modal inputs');
    return issues;
  }
  if (count(payload.content) > DISCORD_LIMITS.content) issues.push('content too long');
  const rows = (payload.components ?? []) as Row[];
  if (rows.length > DISCORD_LIMITS.rows) issues.push('too many action rows');
  for (const row of rows) {
    if (row.components.length > DISCORD_LIMITS.buttonsPerRow) issues.push('too many components in a row');
    for (const c of row.components) {
      if (c.type === ComponentType.Button && 'custom_id' in c) {
        if (count(c.custom_id) > DISCORD_LIMITS.customId) issues.push('button custom_id too long');
        if (count(c.label) > DISCORD_LIMITS.buttonLabel) issues.push('button label too long');
      }
      if (c.type === ComponentType.StringSelect) {
        if (count(c.custom_id) > DISCORD_LIMITS.customId) issues.push('select custom_id too long');
        if (c.options.length > DISCORD_LIMITS.selectOptions || c.options.length === 0) issues.push('select option count');
        for (const o of c.options) {
          if (count(o.label) > DISCORD_LIMITS.optionLabel) issues.push('option label too long');
          if (count(o.value) > DISCORD_LIMITS.optionValue) issues.push('option value too long');
        }
      }
    }
  }
  return issues;
}
