import { LogLevel, WebClient, type WebClientOptions } from '@slack/web-api';

/**
 * Every Web API call, retries included, ends within a few seconds: the SDK's default retries a
 * failing call for about 30 minutes, which held a work slot (and at start the whole process) that
 * long. Each attempt may take CALL_TIMEOUT_MS; no retry starts once RETRY.maxRetryTime has passed.
 */
const CALL_TIMEOUT_MS = 2_500;
const RETRY = { retries: 2, factor: 2, minTimeout: 250, maxTimeout: 1_000, maxRetryTime: 3_000 };

/**
 * A Web API client for outbound work. Rate limits are rejected rather than waited out inside the
 * client, so the ChatPort can hand Slack's Retry-After to the jobs, which own retries and backoff.
 */
export function createWebClient(token: string, options: WebClientOptions = {}): WebClient {
  return new WebClient(token, { logLevel: LogLevel.ERROR, rejectRateLimitedCalls: true, timeout: CALL_TIMEOUT_MS, retryConfig: RETRY, ...options });
}
