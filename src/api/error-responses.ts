import type { RouteOptions } from 'fastify';
import { errorBody } from './schemas.ts';

// The errors a route can answer, as the document states them: each status once, under
// components.responses with the shared `Error` schema, and every operation refers to those.

/** How a scope's routes are reached: with a bearer token, by a secret URL or none, or as a probe. */
export type Access = 'bearer' | 'public' | 'probe';

/** The error responses of the document, each defined once under components.responses. */
const ERRORS: Record<number, { name: string; description: string; retryAfter?: true }> = {
  400: { name: 'BadRequest', description: 'The request is malformed or a field is invalid: `details.issues` names each field and why' },
  401: { name: 'Unauthorized', description: 'No valid API token: missing, malformed, revoked or expired, or its user is deactivated' },
  403: { name: 'Forbidden', description: "The token's user may not do this (e.g. `missing_permission`)" },
  404: { name: 'NotFound', description: 'What the path names does not exist, or is not yours to see' },
  409: { name: 'Conflict', description: 'Conflicts with the current state (e.g. `slot_full`)' },
  413: { name: 'PayloadTooLarge', description: 'The body is larger than API_BODY_LIMIT_BYTES' },
  415: { name: 'UnsupportedMediaType', description: 'The body is not JSON' },
  422: { name: 'Unprocessable', description: 'Well-formed, but a rule refuses it (e.g. a time that is not bookable)' },
  429: { name: 'TooManyRequests', description: 'Too many requests: retry after the seconds in Retry-After', retryAfter: true },
  500: { name: 'InternalError', description: 'An unexpected failure: `details.requestId` finds it in the logs' },
  503: { name: 'Unavailable', description: 'A wait for the database ran out (e.g. a busy lock): retry after the seconds in Retry-After', retryAfter: true },
};

/** Methods whose body Fastify parses, so a body can be too large or not JSON. */
const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** The error statuses a route of this access and method can answer. */
export function errorStatuses(method: RouteOptions['method'], access: Access): number[] {
  const statuses = [500];
  // Probes take no input, are not rate limited and touch nothing that can be busy.
  if (access !== 'probe') statuses.push(400, 404, 429, 503);
  if (access === 'bearer') statuses.push(401, 403, 422);
  if ([method].flat().some((m) => BODY_METHODS.has(m))) statuses.push(409, 413, 415);
  return statuses.sort((a, b) => a - b);
}

/** A route's response for an error status: serialises what the error handler sends, and documents it. */
export function routeErrorResponse(status: number) {
  return { description: ERRORS[status]?.description, content: { 'application/json': { schema: errorBody } } };
}

const RESPONSE_REF = '#/components/responses/';

interface Operation {
  responses?: Record<string, { description?: string; $ref?: string }>;
}

/**
 * Replaces every operation's standard error responses (as documentRoutes added them) by a reference
 * to one shared response per status, defined once with its `Error` schema.
 */
export function withSharedErrorResponses<T extends object>(document: T): T {
  const { paths = {}, components = {} } = document as { paths?: Record<string, Record<string, Operation>>; components?: object };
  const used = new Map<number, (typeof ERRORS)[number]>();
  const sharedPaths = Object.fromEntries(
    Object.entries(paths).map(([path, item]) => [
      path,
      Object.fromEntries(
        Object.entries(item).map(([method, operation]) => {
          if (!operation.responses) return [method, operation];
          const responses = Object.fromEntries(
            Object.entries(operation.responses).map(([status, response]) => {
              const shared = ERRORS[Number(status)];
              if (!shared || response.description !== shared.description) return [status, response];
              used.set(Number(status), shared);
              return [status, { $ref: `${RESPONSE_REF}${shared.name}` }];
            }),
          );
          return [method, { ...operation, responses }];
        }),
      ),
    ]),
  );
  const retryAfter = { 'Retry-After': { description: 'Seconds to wait before retrying', schema: { type: 'integer' } } };
  const responses = Object.fromEntries(
    [...used.entries()]
      .sort(([a], [b]) => a - b)
      .map(([, shared]) => [
        shared.name,
        {
          description: shared.description,
          ...(shared.retryAfter ? { headers: retryAfter } : {}),
          content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
        },
      ]),
  );
  return { ...document, paths: sharedPaths, components: { ...components, responses } };
}

