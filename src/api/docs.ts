import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance, onRouteHookHandler, RouteOptions } from 'fastify';
import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod';
import { publicBaseUrl } from './public-url.ts';
import { errorBody } from './schemas.ts';

// The OpenAPI document is generated from the same zod schemas that validate and serialise each
// route, so the docs cannot drift from the behaviour. Shapes with a zod `id` become named components
// (see schemas.ts); who may call a route and the errors it can answer are added here, by the scope
// a route is registered in, rather than repeated by every route.

export const DOCS_PREFIX = '/docs';

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

export function errorStatuses(method: RouteOptions['method'], access: Access): number[] {
  const statuses = [500];
  // Probes take no input, are not rate limited and touch nothing that can be busy.
  if (access !== 'probe') statuses.push(400, 404, 429, 503);
  if (access === 'bearer') statuses.push(401, 403, 422);
  if ([method].flat().some((m) => BODY_METHODS.has(m))) statuses.push(409, 413, 415);
  return statuses.sort((a, b) => a - b);
}

/**
 * onRoute hook for a scope: documents its routes' security (an explicit empty list when public) and
 * every error status they can answer, each as the shared `Error` component. A route's own response
 * for a status (e.g. /readyz's 503) wins.
 */
export function documentRoutes(access: Access): onRouteHookHandler {
  const security = access === 'bearer' ? [{ bearerAuth: [] }] : [];
  return (route) => {
    const schema = route.schema;
    if (!schema || schema.hide || route.method === 'HEAD') return;
    const errors = Object.fromEntries(
      errorStatuses(route.method, access).map((status) => [
        status,
        { description: ERRORS[status]?.description, content: { 'application/json': { schema: errorBody } } },
      ]),
    );
    route.schema = { ...schema, security: schema.security ?? security, response: { ...errors, ...(schema.response as object | undefined) } };
  };
}

const SCHEMA_REF = '#/components/schemas/';
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
          content: { 'application/json': { schema: { $ref: `${SCHEMA_REF}Error` } } },
        },
      ]),
  );
  return { ...document, paths: sharedPaths, components: { ...components, responses } };
}

/**
 * Drops the component schemas nothing refers to: the zod provider defines an input and an output
 * variant (`XInput`, `X`) of every named shape, and each shape is used as one of the two.
 */
export function withoutUnusedSchemas<T extends object>(document: T): T {
  const components: { schemas?: Record<string, unknown> } = (document as { components?: object }).components ?? {};
  const schemas = components.schemas ?? {};
  const used = new Set<string>();
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (node === null || typeof node !== 'object') return;
    for (const [key, value] of Object.entries(node)) {
      if (key === '$ref' && typeof value === 'string' && value.startsWith(SCHEMA_REF)) {
        const name = value.slice(SCHEMA_REF.length);
        if (!used.has(name)) {
          used.add(name);
          visit(schemas[name]);
        }
      } else {
        visit(value);
      }
    }
  };
  visit({ ...document, components: { ...components, schemas: {} } });
  const kept = Object.fromEntries(Object.entries(schemas).filter(([name]) => used.has(name)));
  return { ...document, components: { ...components, schemas: kept } };
}

export async function registerDocs(app: FastifyInstance, options: { version: string; publicUrl?: string | undefined }): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Coachbot admin API',
        version: options.version,
        description:
          'Members, coaches, availability, bookings and sessions of Coachbot. Authenticate with ' +
          '`Authorization: Bearer <token>` (create one with `npm run cli -- token create --user <email>`). ' +
          'Errors answer `{ statusCode, message, error, details? }`; lists answer `{ items, nextCursor }`.',
      },
      components: {
        securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', description: 'An API token' } },
      },
    },
    transform: jsonSchemaTransform,
    transformObject: (input) => withoutUnusedSchemas(withSharedErrorResponses(jsonSchemaTransformObject(input))),
  });
  await app.register(swaggerUi, { routePrefix: DOCS_PREFIX, uiConfig: { deepLinking: true, persistAuthorization: false } });
  // The server is where clients reach this API: PUBLIC_URL, or the URL this document was fetched from.
  app.get('/openapi.json', { schema: { hide: true } }, async (request) => ({
    ...app.swagger(),
    servers: [{ url: publicBaseUrl(request, options.publicUrl) }],
  }));
}
