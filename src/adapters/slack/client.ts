import { LogLevel, WebClient, type WebClientOptions } from '@slack/web-api';

/**
 * A Web API client for outbound work. Rate limits are rejected rather than waited out inside the
 * client, so the ChatPort can hand Slack's Retry-After to the jobs, which own retries and backoff.
 */
export function createWebClient(token: string, options: WebClientOptions = {}): WebClient {
  return new WebClient(token, { logLevel: LogLevel.ERROR, rejectRateLimitedCalls: true, ...options });
}
