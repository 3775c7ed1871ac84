import type { ChatUser, MessageRef, Platform } from './inbound.ts';
import type { View } from './view.ts';

// Outbound messages that are not replies to an input: notifications, reminders, prompts and live
// edits of slot pickers and session cards. Each adapter implements one ChatPort; the jobs and the
// bot reach users only through it.

/** Where a direct message goes: a linked chat identity of the recipient. */
export type Recipient = Pick<ChatUser, 'platform' | 'scope' | 'platformUserId' | 'dmChannelId'>;

export interface ChatPort {
  readonly platform: Platform;
  /** Send a direct message; resolves with where it landed (to edit it later). */
  send(to: Recipient, view: View): Promise<MessageRef>;
  /** Replace an earlier message's content in place. */
  edit(message: MessageRef, view: View): Promise<void>;
  /**
   * Opens a conversation the coach and member share with the bot (a Slack group DM, a private
   * Discord thread) and posts `view` in it. Platforms that cannot, such as Telegram, leave it out
   * and relay messages through the bot instead.
   */
  openConversation?(members: Recipient[], view: View): Promise<MessageRef>;
  /**
   * A link that opens a chat with the bot and signs its user up with this coach, on platforms
   * that have such links (Telegram deep links); undefined elsewhere.
   */
  inviteLink?(coachUserId: string): string | undefined;
}

/**
 * Why a platform refused or failed a call. `retryAfterMs` is the platform's own wait (429 with
 * Retry-After / retry_after); `permanent` means trying again cannot help (user blocked the bot,
 * channel gone, message too old to edit).
 */
export class ChatDeliveryError extends Error {
  constructor(
    message: string,
    readonly options: { permanent: boolean; retryAfterMs?: number; cause?: unknown } = { permanent: false },
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ChatDeliveryError';
  }
  get permanent(): boolean {
    return this.options.permanent;
  }
  get retryAfterMs(): number | undefined {
    return this.options.retryAfterMs;
  }
}

/**
 * Something to tell one user outside a conversation: an outbox notification (`type` is core's
 * NotificationType, `payload` its JSON) or a reminder/prompt the jobs derive from the sessions
 * table (`session.reminder` with payload.minutesBefore, `session.complete_prompt`,
 * `session.rate_prompt`, payload.sessionId). The jobs deliver it; the bot decides how it reads.
 */
export interface Notice {
  /** Stable id of this notice (outbox row id or the derived delivery's key). */
  id: string;
  userId: string;
  type: string;
  payload: Record<string, unknown>;
}

/**
 * The notice the jobs send, once, on the platform a notice reached, naming the linked chats where
 * delivery failed for good and why (payload: `now`, the platform; `unreachable`, [{ platform, reason }]).
 */
export const UNREACHABLE_NOTICE = 'chat.unreachable';

/**
 * Turns a notice into the message its recipient sees, with the buttons that answer it (Confirm,
 * Reschedule, Can't make it on reminders; Complete / No-show on a coach's prompt; 1–5 on a rating
 * prompt), each action signed for that recipient. Implemented by the bot (src/bot), used by jobs.
 */
export type Presenter = (notice: Notice, recipient: Recipient) => Promise<View>;

/**
 * Redraws the messages kept current (session cards, slot pickers, session lists) that the change
 * behind a notice touches. The outbox row is written in the transaction of the change, whoever made
 * it (the bot, the admin API, another process), so the jobs call this for every row they deliver:
 * a change made anywhere reaches the messages on every platform. Implemented by the bot.
 */
export type Redrawer = (notice: Notice) => Promise<void>;

/** Remembers where a delivered notice landed, so it is redrawn with its session. Implemented by the bot. */
export type NoticeKeeper = (notice: Notice, sent: MessageRef) => Promise<void>;
