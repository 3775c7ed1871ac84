import type { FastifyRequest } from 'fastify';

/**
 * The API's base URL as clients reach it, without a trailing slash: PUBLIC_URL when set (behind a
 * proxy the request's own host may be internal), else the scheme and host this request came to.
 */
export function publicBaseUrl(request: Pick<FastifyRequest, 'protocol' | 'host'>, publicUrl: string | undefined): string {
  return (publicUrl ?? `${request.protocol}://${request.host}`).replace(/\/+$/, '');
}
