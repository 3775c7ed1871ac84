import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { UnauthorizedError, type Actor, type Core } from '../core/index.ts';

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

/** Rate-limit key: the token's hash (so the secret never reaches the store) or, without one, the IP. */
export function rateLimitKey(request: FastifyRequest): string {
  const token = bearerToken(request);
  return token ? `token:${createHash('sha256').update(token).digest('hex')}` : `ip:${request.ip}`;
}

export function decorateActor(app: FastifyInstance): void {
  app.decorateRequest('actor', null);
  app.decorateRequest('tokenId', null);
}

/** onRequest hook for a scope of protected routes. */
export function authenticate(core: Pick<Core, 'tokens'>) {
  return async (request: FastifyRequest): Promise<void> => {
    const header = request.headers.authorization;
    if (header === undefined) throw new UnauthorizedError('Send an API token: Authorization: Bearer <token>', 'missing_token');
    const token = bearerToken(request);
    if (!token) throw new UnauthorizedError('The Authorization header must be "Bearer <token>"', 'invalid_authorization_header');
    const { actor, tokenId } = await core.tokens.authenticate(token);
    request.actor = actor;
    request.tokenId = tokenId;
  };
}

/** The authenticated actor of a protected route. */
export function actorOf(request: FastifyRequest): Actor {
  if (!request.actor) throw new UnauthorizedError();
  return request.actor;
}
