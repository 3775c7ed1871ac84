// The platform-neutral message model (docs/design.md §6). The bot builds these; each adapter renders
// them (Block Kit, Discord components, Telegram inline keyboards, HTML in the playground). Every
// screen is written once, so everything here must be renderable on all of Slack, Discord and
// Telegram: see LIMITS, which the renderers and a property test enforce.

/**
 * An action token: what a button or select option sends back when used. Opaque to adapters. At
 * most LIMITS.actionBytes bytes of ASCII, so it fits Telegram's callback_data and Discord's
 * custom_id as it is. The bot signs or looks it up, so a forged or stale one is refused.
 */
export type ActionToken = string;

export interface Button {
  type: 'button';
  label: string;
  action: ActionToken;
  style?: 'primary' | 'danger';
}

export interface SelectOption {
  label: string;
  /** Choosing the option sends this token, exactly as a button would. */
  action: ActionToken;
  description?: string;
}

/** A menu of choices. Renders as a select where the platform has one, else as a column of buttons. */
export interface Select {
  type: 'select';
  placeholder: string;
  options: SelectOption[];
}

export type Block =
  | { type: 'header'; text: string }
  /** A paragraph of plain text; line breaks are kept, no markup is interpreted. */
  | { type: 'text'; text: string }
  | { type: 'fields'; fields: { label: string; value: string }[] }
  | { type: 'actions'; elements: (Button | Select)[] }
  | { type: 'divider' };

export interface View {
  /** Plain one-line summary: notification text, fallback, the playground's tab title. */
  summary: string;
  blocks: Block[];
}

export interface FormInput {
  /** Key of the value in the submission. */
  id: string;
  label: string;
  /** `text` is one line, `paragraph` several. */
  style: 'text' | 'paragraph';
  required: boolean;
  maxLength: number;
  placeholder?: string;
  initial?: string;
}

/**
 * A form: a Slack modal, a Discord modal (so at most 5 inputs), or one prompt per input in
 * Telegram. Only text inputs: choices are offered as buttons or selects in a message first.
 */
export interface Form {
  title: string;
  /** Sent back with the values when the form is submitted. */
  submit: ActionToken;
  submitLabel: string;
  inputs: FormInput[];
  /**
   * Set when a submission was refused for one input: the form comes back with every answer given
   * (as the inputs' `initial`) and that input to fix, with why. Each platform asks again its own
   * way (Telegram: that one question; Slack: the modal's field error; Discord: the modal again).
   */
  refused?: {
    input: string;
    message: string;
  };
  /**
   * Opens this form again with its answers, set by the bot on every form it opens: for a platform
   * that can show a form only as the direct answer to a click (a Discord modal cannot answer a modal
   * or a late follow-up; a Slack modal needs a fresh trigger), which offers it as a button instead
   * (`formOffer`).
   */
  reopen?: ActionToken;
}

/** The tightest limit of the three platforms for each part of a view. */
export const LIMITS = {
  /** Telegram callback_data is 1-64 bytes; Discord custom_id is at most 100 characters. */
  actionBytes: 64,
  /** Slack: 50 blocks per message. */
  blocks: 50,
  /** Discord: 5 action rows per message (each actions block and each select takes one). */
  actionRows: 5,
  /** Discord: 5 buttons per row. */
  buttonsPerRow: 5,
  /** Discord: 25 options per select; Slack allows 100. */
  selectOptions: 25,
  /** Discord button label 80, Slack button text 75. */
  buttonLabel: 75,
  /** Discord select option label and description: 100. */
  optionLabel: 100,
  /** Slack select placeholder: 150. */
  placeholder: 150,
  /** Discord message content: 2000 characters (the whole rendered message). */
  messageChars: 2000,
  /** Slack header text: 150. */
  header: 150,
  /** Slack: 10 fields per section; field text 2000. */
  fields: 10,
  fieldChars: 1000,
  /** Discord: 5 text inputs per modal. */
  formInputs: 5,
  /** Slack modal title: 24 characters. */
  formTitle: 24,
  /** Discord text input label: 45 characters. */
  inputLabel: 45,
  /** Discord text input: 4000 characters. */
  inputMaxLength: 4000,
  /** Telegram callback answer text: 200 characters. */
  notice: 200,
} as const;
