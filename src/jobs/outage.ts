import { isDatabaseTimeout, sqlState } from '../db/client.ts';

// Whether a failure of the delivery worker's own bookkeeping (the claim, the mark) means PostgreSQL
// could not be asked, rather than that something is wrong with the notification: such a failure is
// waited out without spending one of the job's attempts. A narrow check of the jobs' own, on purpose:
// src/db is getting an `isDatabaseUnavailable` of its own (another branch); once it has one, pass it
// as the delivery worker's `isOutage` (or call it here) instead of this.

/** Socket failures Node reports for a server that cannot be reached or went away. */
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);

/** How node-postgres reports a connection lost or never made: a message, no code. */
const PG_CONNECTION_MESSAGES = ['Connection terminated', 'timeout exceeded when trying to connect', 'is not queryable'];

/**
 * PostgreSQL unreachable, restarting, out of connections, or busy past its own timeouts: SQLSTATE
 * class 08 (connection exception), 57P01-57P03 (shut down, crashed, starting), 53300 (too many
 * connections), lock or statement timeouts, or a socket failure on the way to it.
 */
export function isDatabaseOutage(error: unknown): boolean {
  if (isDatabaseTimeout(error)) return true;
  const state = sqlState(error);
  if (state !== undefined) return state.startsWith('08') || ['57P01', '57P02', '57P03', '53300'].includes(state);
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current instanceof Error; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && SOCKET_CODES.has(code)) return true;
    if (PG_CONNECTION_MESSAGES.some((m) => (current as Error).message.includes(m))) return true;
    current = current.cause;
  }
  return false;
}
