// Slack signs "v0:<timestamp>:<body>"; a captured request replayed later still carries a valid
// signature, so the timestamp must be recent. Bolt refuses ones older than five minutes but lets
// any future one through, so we check the skew both ways before Bolt sees it.

export const MAX_SKEW_SECONDS = 5 * 60;

/** Whether an X-Slack-Request-Timestamp header is a whole number of seconds within 5 minutes of now. */
export function isFreshTimestamp(header: string | string[] | undefined, nowMs: number): boolean {
  if (typeof header !== 'string' || !/^\d{1,12}$/.test(header)) return false;
  return Math.abs(Math.floor(nowMs / 1000) - Number(header)) <= MAX_SKEW_SECONDS;
}
