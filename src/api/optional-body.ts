import type { FastifyInstance } from 'fastify';

/**
 * For routes whose JSON body is optional (a cancellation reason, say): an empty body sent with a
 * JSON content type reaches the route as no body, as it does without one, instead of Fastify's
 * empty_json_body error. Call it in a scope holding only such routes; everything else about JSON
 * parsing (prototype-poisoning checks, error codes) is Fastify's own.
 */
export function acceptEmptyJsonBody(scope: FastifyInstance): void {
  const parseJson = scope.getDefaultJsonParser('error', 'error');
  scope.removeContentTypeParser('application/json');
  scope.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (body.length === 0) done(null, undefined);
    else parseJson(request, body as string, done);
  });
}
