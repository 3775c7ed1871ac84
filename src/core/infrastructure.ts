import { isDatabaseTimeout, isDatabaseUnavailable } from '../db/client.ts';
import { UnavailableError } from './errors.ts';

// Failures of the infrastructure that a caller can act on become domain errors here, once, for
// every channel (the API's error handler, the bot's replies). Anything else passes unchanged.

/** How long a client waits before retrying a request PostgreSQL gave up on: about one lock_timeout. */
export const BUSY_RETRY_AFTER_SECONDS = 5;

/** How long a client waits before retrying while the database is unreachable: a restart or failover takes seconds. */
export const UNREACHABLE_RETRY_AFTER_SECONDS = 2;

export function asDomainError(error: unknown): unknown {
  if (isDatabaseTimeout(error)) {
    return new UnavailableError('database_busy', 'Too busy to serve this request right now (a wait for a lock ran out); please retry shortly', BUSY_RETRY_AFTER_SECONDS);
  }
  if (isDatabaseUnavailable(error)) {
    return new UnavailableError('database_unavailable', 'The database cannot be reached right now; please retry shortly (a booking retried with the same Idempotency-Key is never made twice)', UNREACHABLE_RETRY_AFTER_SECONDS);
  }
  return error;
}
