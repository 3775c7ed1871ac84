import type { ActionToken, Form, View } from './view.ts';

// What an adapter hands the bot after it has verified and acknowledged a platform delivery, and
// what the bot asks the adapter to do in return. Adapters translate; the bot decides.

export type Platform = 'slack' | 'discord' | 'telegram' | 'web';

/** Who is talking: one chat identity (chat_identities), before it is linked to a user. */
export interface ChatUser {
  platform: Platform;
  /** Slack team id, Discord guild id (or "dm"), Telegram bot id, "local" for the playground. */
  scope: string;
  platformUserId: string;
  displayName?: string;
  /** IANA zone when the platform tells it (Slack users.info); Telegram and Discord do not. */
  timezone?: string;
  /** The channel a direct message to this user goes to, when already known. */
  dmChannelId?: string;
}

/** A message the bot sent earlier, as the platform addresses it (for in-place edits). */
export interface MessageRef {
  platform: Platform;
  channelId: string;
  messageId: string;
}

interface InboundBase {
  user: ChatUser;
  /**
   * The platform's id for this delivery (Slack event id or action ts, Telegram update id, Discord
   * interaction id). A redelivery carries the same id, so the bot does its work once.
   */
  deliveryId: string;
}

export type Inbound =
  /** A slash command or `/command` message: `name` without the slash, `args` the rest. */
  | (InboundBase & { type: 'command'; name: string; args: string })
  /** A button or select option was used on `message`. */
  | (InboundBase & { type: 'action'; action: ActionToken; message?: MessageRef })
  /** A form was submitted. */
  | (InboundBase & { type: 'submit'; action: ActionToken; values: Record<string, string> })
  /** Free text in a direct conversation (Telegram's step-by-step forms, relayed chat). */
  | (InboundBase & { type: 'text'; text: string });

/**
 * A reply to keep current (see src/bot/live.ts): what it shows and the time span whose changes
 * redraw it. The adapter reports where the reply landed (Bot.sent), and from then on it is redrawn
 * like a message drawn onto a button's own message. Dates as ISO strings: effects are stored.
 */
export interface KeepCurrent {
  kind: string;
  args: Record<string, unknown>;
  coachId: string;
  startsAt: string;
  endsAt: string;
  sessionId?: string;
}

export type Effect =
  /** A new message to the user, in the conversation the input came from. */
  | { type: 'reply'; view: View; ephemeral?: boolean; keep?: KeepCurrent }
  /** Replace the message the action came from. */
  | { type: 'update'; view: View }
  /** Open a form (modal, or prompts one input at a time). */
  | { type: 'form'; form: Form }
  /** A short notice: a Telegram callback answer, a Slack ephemeral, a Discord ephemeral reply. */
  | { type: 'notice'; text: string };
