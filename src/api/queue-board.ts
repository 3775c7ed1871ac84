import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import type { Queue } from 'bullmq';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { requireAdmin } from '../core/access/index.ts';
import { UnauthorizedError, UnavailableError, type Core } from '../core/index.ts';
import { actorOf, authenticate, bearerToken } from './auth.ts';
import { toErrorBody } from './errors.ts';
import type { Throttle } from './throttle.ts';

// The operator's view of the job queues (waiting, delayed, failed jobs; retry, clean), from
// bull-board, for admins only. A browser cannot send a bearer header when it opens a page, so the
// board also takes the API token as the password of HTTP Basic auth (any user name): the browser
// asks for it once. The token is verified as the API verifies it, so a wrong one counts against the
// same budget of failed authentications. Who may look is decided in core, as for every other route.

export const QUEUE_BOARD_PATH = '/admin/queues';

/** When to ask again while Redis is away: a Redis restart takes seconds. */
const REDIS_RETRY_AFTER_SECONDS = 5;

/** An API token from `Authorization: Bearer <token>` or from Basic auth's password. */
function boardToken(request: FastifyRequest): string {
  const token = bearerToken(request) ?? basicPassword(request);
  if (!token) throw new UnauthorizedError('Send an admin API token: Authorization: Bearer <token>, or as the Basic auth password', 'missing_token');
  return token;
}

function basicPassword(request: FastifyRequest): string | null {
  const basic = /^Basic[ \t]+([A-Za-z0-9+/=]+)[ \t]*$/i.exec(request.headers.authorization ?? '');
  if (!basic) return null;
  const decoded = Buffer.from(basic[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon >= 0 && colon < decoded.length - 1 ? decoded.slice(colon + 1) : null;
}

export interface QueueBoardDeps {
  core: Pick<Core, 'tokens'>;
  /** The API's budgets: failed authentications per IP, requests per user. */
  throttle: Throttle;
  queues: readonly Queue[];
  /** Whether the queues' Redis connection is up now: while it is not, bull-board's commands would wait for Redis to return. */
  reachable: () => boolean;
}

/** Mounts the board over these queues at /admin/queues, in a scope of its own behind admin auth. */
export async function registerQueueBoard(app: FastifyInstance, deps: QueueBoardDeps): Promise<void> {
  const signIn = authenticate(deps.core, deps.throttle, boardToken);
  await app.register(async (scope) => {
    // Answered here rather than thrown: bull-board's own error handler would turn a refusal into a 500.
    scope.addHook('onRequest', async (request, reply) => {
      try {
        await signIn(request, reply);
        requireAdmin(actorOf(request));
        // Asked once the caller is known to be an admin, so that no one else learns whether Redis is up.
        if (!deps.reachable()) throw new UnavailableError('queues_unavailable', 'The job queues are unreachable (Redis is down); retry shortly', REDIS_RETRY_AFTER_SECONDS);
      } catch (error) {
        const body = toErrorBody(error, request.id);
        if (body.statusCode === 401) void reply.header('www-authenticate', 'Basic realm="Coachbot queues (password: an admin API token)", charset="UTF-8"');
        // A spent budget (429) or Redis away (503) says when to come back.
        const retryAfter = (error as { retryAfterSeconds?: unknown } | null)?.retryAfterSeconds;
        if (typeof retryAfter === 'number') void reply.header('retry-after', String(retryAfter));
        return reply.code(body.statusCode).send(body);
      }
    });
    const serverAdapter = new FastifyAdapter();
    serverAdapter.setBasePath(QUEUE_BOARD_PATH);
    createBullBoard({ queues: deps.queues.map((q) => new BullMQAdapter(q, { readOnlyMode: false })), serverAdapter });
    await scope.register(serverAdapter.registerPlugin(), { prefix: QUEUE_BOARD_PATH });
  });
}
