import { isDatabaseTimeout, isDatabaseUnavailable } from '../db/client.ts';

// Whether a failure of the delivery worker's own bookkeeping (the claim, the mark) means PostgreSQL
// could not be asked, rather than that something is wrong with the notification: such a failure is
// waited out without spending one of the job's attempts.

/** PostgreSQL unreachable, restarting, out of connections (see isDatabaseUnavailable), or busy past its own timeouts. */
export function isDatabaseOutage(error: unknown): boolean {
  return isDatabaseUnavailable(error) || isDatabaseTimeout(error);
}
