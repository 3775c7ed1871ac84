import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyPluginAsync } from 'fastify';
import { UnauthorizedError } from '../../core/index.ts';
import { bearerToken } from '../auth.ts';
import { installErrorHandling } from '../errors.ts';
import type { Throttle } from '../throttle.ts';

// GET /metrics: the process's metrics in Prometheus's text format, on every process's server (API,
// bot and worker roles). Open when no METRICS_TOKEN is set (bind it to an internal network);
// otherwise `Authorization: Bearer <METRICS_TOKEN>`, compared in constant time. Never rate limited
// as a request: a scraper (or several, behind one address) must not be refused, nor spend the budget
// of API clients sharing its address. Where the API's throttle is given, a wrong token still counts
// against the address's budget of failed authentications, as a wrong API token does.
// Left out of the OpenAPI document: it is the operators' interface, not the admin API's.

/** What the route serves: prom-client's registry as the process wraps it (src/runtime/metrics.ts). */
export interface MetricsExposition {
  readonly contentType: string;
  expose(): Promise<string>;
}

export interface MetricsRouteDeps {
  metrics: MetricsExposition;
  /** METRICS_TOKEN; open when not given. */
  token?: string | undefined;
  /** The API's throttle of failed credentials (the API's server only). */
  throttle?: Throttle | undefined;
}

/** sha256 first, so that the comparison takes the same time whatever the lengths. */
const digest = (secret: string) => createHash('sha256').update(secret, 'utf8').digest();

export function metricsRoute(deps: MetricsRouteDeps): FastifyPluginAsync {
  const expected = deps.token === undefined ? null : digest(deps.token);

  function check(header: string | undefined, token: string | null): void {
    if (header === undefined) throw new UnauthorizedError('missing_token', 'Send the metrics token: Authorization: Bearer <METRICS_TOKEN>');
    if (!token || !timingSafeEqual(digest(token), expected!)) throw new UnauthorizedError('invalid_metrics_token', 'The metrics token is not valid');
  }

  return async (app) => {
    // Errors answer in the API's format here too, also on a server without the API (its own scope only).
    installErrorHandling(app);
    app.get('/metrics', { config: { rateLimit: false }, schema: { hide: true } }, async (request, reply) => {
      if (expected) {
        const verify = async () => check(request.headers.authorization, bearerToken(request));
        await (deps.throttle ? deps.throttle.verifyCredential(request, verify, (e) => e instanceof UnauthorizedError) : verify());
      }
      const body = await deps.metrics.expose();
      return reply.type(deps.metrics.contentType).header('cache-control', 'no-store').send(body);
    });
  };
}
