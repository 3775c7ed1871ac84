import { TelegramError } from 'telegraf';
import { ChatDeliveryError } from '../../bot/port.ts';

// Bot API refusals as the ChatPort states them: 429 carries Telegram's own wait; a user who
// blocked the bot, a chat that is gone or a message that can no longer be edited is permanent.

const PERMANENT_400 = [
  'chat not found',
  'user not found',
  'message to edit not found',
  "message can't be edited",
  'message is too long',
  'button_data_invalid',
  'peer_id_invalid',
];

/** The wait Telegram asked for, when `error` is a 429. */
export function retryAfterMs(error: unknown): number | undefined {
  if (!(error instanceof TelegramError) || error.code !== 429) return undefined;
  return Math.max(0, Number(error.parameters?.retry_after ?? 1)) * 1000;
}

/** Editing a message into what it already shows is a success for us, an error for Telegram. */
export function isNotModified(error: unknown): boolean {
  return error instanceof TelegramError && error.code === 400 && /message is not modified/i.test(error.description);
}

export function toDeliveryError(error: unknown): ChatDeliveryError {
  if (error instanceof ChatDeliveryError) return error;
  if (!(error instanceof TelegramError)) {
    // Transport failures (connection refused, reset): worth another try later.
    return new ChatDeliveryError(`Telegram unreachable: ${error instanceof Error ? error.message : String(error)}`, { permanent: false, cause: error });
  }
  const wait = retryAfterMs(error);
  if (wait !== undefined) return new ChatDeliveryError(`Telegram rate limit: ${error.description}`, { permanent: false, retryAfterMs: wait, cause: error });
  const description = error.description.toLowerCase();
  const permanent = error.code === 403 || (error.code === 400 && PERMANENT_400.some((p) => description.includes(p)));
  return new ChatDeliveryError(`Telegram refused (${error.code}): ${error.description}`, { permanent, cause: error });
}
