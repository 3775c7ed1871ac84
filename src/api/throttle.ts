import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../config.ts';

// Rate limits, keyed on who a request proves to be. A request whose credential verifies (a bearer
// token, a calendar feed secret) counts against its user, so users behind one address keep their own
// budgets and one user's many tokens share one. A credential that does not verify counts against the
// request's IP in a stricter budget, so guessing is throttled however many different guesses are
// sent; once that budget is spent the IP is refused before its next guess costs a lookup. Requests
// that carry no credential at all (health, docs, unknown routes) count against their IP.

const MINUTE_MS = 60_000;

/** A 429 of ours (the plugin raises its own for the budgets it enforces); answered with Retry-After. */
export class RateLimitedError extends Error {
  readonly statusCode = 429;
  constructor(readonly retryAfterSeconds: number) {
    super(`Too many failed authentications from this address; retry in ${retryAfterSeconds} s`);
  }
}

export interface Throttle {
  /**
   * Runs a credential check. While the request's IP has failures left it runs, and a failure
   * (`failed` says which errors are one) counts against that IP; once they are spent it answers 429.
   */
  verifyCredential<T>(request: FastifyRequest, check: () => Promise<T>, failed: (error: unknown) => boolean): Promise<T>;
  /** Counts a request against the budget of whom its credential proved it to be (429 once spent). */
  countVerified(request: FastifyRequest, reply: FastifyReply, subject: string): Promise<void>;
}

type ThrottleConfig = Pick<Config, 'API_RATE_LIMIT_PER_MINUTE' | 'API_AUTH_FAILURES_PER_MINUTE'>;

/** Builds the budgets on the rate-limit plugin, which buildApp has registered (its store, Redis or memory). */
export function createThrottle(app: FastifyInstance, config: ThrottleConfig): Throttle {
  const failures = app.createRateLimit({
    max: config.API_AUTH_FAILURES_PER_MINUTE,
    timeWindow: MINUTE_MS,
    keyGenerator: (request) => `failed-credentials:${request.ip}`,
  });
  const subjects = new WeakMap<FastifyRequest, string>();
  // The plugin's own hook, so that it also marks the request as counted: the per-route limiter every
  // route gets then skips it instead of counting it once more against the IP.
  const perSubject = app.rateLimit({
    max: config.API_RATE_LIMIT_PER_MINUTE,
    timeWindow: MINUTE_MS,
    keyGenerator: (request) => subjects.get(request) ?? `ip:${request.ip}`,
  });

  return {
    async verifyCredential(request, check, failed) {
      const seen = await failures(request, { increment: false });
      if (!seen.isAllowed && seen.remaining === 0) throw new RateLimitedError(Math.max(1, seen.ttlInSeconds));
      try {
        return await check();
      } catch (error) {
        if (failed(error)) {
          const counted = await failures(request);
          if (!counted.isAllowed && counted.isExceeded) throw new RateLimitedError(Math.max(1, counted.ttlInSeconds));
        }
        throw error;
      }
    },

    async countVerified(request, reply, subject) {
      subjects.set(request, subject);
      await perSubject.call(app, request, reply);
    },
  };
}
