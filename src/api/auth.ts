import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { UnauthorizedError, type Actor, type Core } from '../core/index.ts';
import type { Throttle } from './throttle.ts';

// Bearer-token authentication. Who may do what is decided in core with the actor resolved here;
// this layer only turns a header into an actor (or a 401).

declare module 'fastify' {
  interface FastifyRequest {
    actor: Actor | null;
    tokenId: string | null;
  }
}

const BEARER = /^Bearer[ \t]+([^\s]+)[ \t]*$/i;

/** The token of an `Authorization: Bearer <token>` header, or null when there is none. */
export function bearerToken(request: Pick<FastifyRequest, 'headers'>): string | null {
  const header = request.headers.authorization;
  if (typeof header !== 'string') return null;
  return BEARER.exec(header)?.[1] ?? null;
}

/**
 * Rate-limit key of a request without a verified credential: its IP. An unverified token is no key:
 * each random guess would get a budget of its own.
 */
export function rateLimitKey(request: FastifyRequest): string {
  return `ip:${request.ip}`;
}

export function decorateActor(app: FastifyInstance): void {
  app.decorateRequest('actor', null);
  app.decorateRequest('tokenId', null);
}

/** Where a scope reads the API token of a request from; throws UnauthorizedError when it finds none. */
export type TokenSource = (request: FastifyRequest) => string;

/** The API's token source: `Authorization: Bearer <token>`. */
function requireBearerToken(request: FastifyRequest): string {
  if (request.headers.authorization === undefined) throw new UnauthorizedError('Send an API token: Authorization: Bearer <token>', 'missing_token');
  const token = bearerToken(request);
  if (!token) throw new UnauthorizedError('The Authorization header must be "Bearer <token>"', 'invalid_authorization_header');
  return token;
}

/**
 * onRequest hook for a scope of protected routes: any 401 counts against the IP's budget of failed
 * authentications, a verified request against its user's budget.
 */
export function authenticate(core: Pick<Core, 'tokens'>, throttle: Throttle, tokenOf: TokenSource = requireBearerToken) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const { actor, tokenId } = await throttle.verifyCredential(request, () => core.tokens.authenticate(tokenOf(request)), (e) => e instanceof UnauthorizedError);
    request.actor = actor;
    request.tokenId = tokenId;
    await throttle.countVerified(request, reply, `user:${actor.userId}`);
  };
}

/** The authenticated actor of a protected route. */
export function actorOf(request: FastifyRequest): Actor {
  if (!request.actor) throw new UnauthorizedError();
  return request.actor;
}
