import { ErrorCode, type WebAPIPlatformError, type WebAPIRateLimitedError, type WebAPIHTTPError } from '@slack/web-api';
import { ChatDeliveryError } from '../../bot/port.ts';

// One mapping from the Web API client's errors to the ChatPort's ChatDeliveryError, so the jobs
// know whether to wait (Retry-After), retry later, or give up.

/** Slack errors that no retry can fix: the recipient, channel, message or installation is gone. */
const PERMANENT = new Set([
  'user_not_found',
  'users_not_found',
  'channel_not_found',
  'account_inactive',
  'user_disabled',
  'is_archived',
  'cannot_dm_bot',
  'message_not_found',
  'cant_update_message',
  'edit_window_closed',
  'not_in_channel',
  'invalid_auth',
  'not_authed',
  'token_revoked',
  'token_expired',
  'team_not_found',
  'missing_scope',
  'invalid_blocks',
  'invalid_arguments',
  'msg_too_long',
  'no_text',
]);

export function toChatDeliveryError(error: unknown, what: string): ChatDeliveryError {
  if (error instanceof ChatDeliveryError) return error;
  const code = (error as { code?: string } | null)?.code;
  if (code === ErrorCode.RateLimitedError) {
    const seconds = (error as WebAPIRateLimitedError).retryAfter;
    return new ChatDeliveryError(`Slack rate limited ${what}`, { permanent: false, retryAfterMs: seconds * 1000, cause: error });
  }
  if (code === ErrorCode.PlatformError) {
    const slackError = (error as WebAPIPlatformError).data.error;
    return new ChatDeliveryError(`Slack refused ${what}: ${slackError}`, { permanent: PERMANENT.has(slackError), cause: error });
  }
  if (code === ErrorCode.HTTPError) {
    const status = (error as WebAPIHTTPError).statusCode;
    return new ChatDeliveryError(`Slack answered ${status} to ${what}`, { permanent: false, cause: error });
  }
  return new ChatDeliveryError(`Slack could not be reached for ${what}`, { permanent: false, cause: error });
}
