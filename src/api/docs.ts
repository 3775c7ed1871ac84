import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance, onRouteHookHandler } from 'fastify';
import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod';
import { errorStatuses, routeErrorResponse, withSharedErrorResponses, type Access } from './error-responses.ts';
import { publicBaseUrl } from './public-url.ts';

// The OpenAPI document is generated from the same zod schemas that validate and serialise each
// route, so the docs cannot drift from the behaviour. Shapes with a zod `id` become named components
// (see schemas.ts); who may call a route and the errors it can answer are added here, by the scope
// a route is registered in, rather than repeated by every route.

export const DOCS_PREFIX = '/docs';

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
    const errors = Object.fromEntries(errorStatuses(route.method, access).map((status) => [status, routeErrorResponse(status)]));
    route.schema = { ...schema, security: schema.security ?? security, response: { ...errors, ...(schema.response as object | undefined) } };
  };
}

const SCHEMA_REF = '#/components/schemas/';

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

/**
 * A body the route takes as optional (zod `.nullish()`, e.g. a cancellation reason) is documented
 * as an optional request body of the object itself, rather than a required `anyOf [object, null]`:
 * clients then may leave it out, which is what the route accepts.
 */
export function withOptionalBodies<T extends object>(document: T): T {
  type Schema = { type?: string; anyOf?: Schema[] };
  type Body = { required?: boolean; content?: Record<string, { schema?: Schema }> };
  const paths = (document as { paths?: Record<string, Record<string, { requestBody?: Body }>> }).paths ?? {};
  for (const operations of Object.values(paths)) {
    for (const operation of Object.values(operations)) {
      const media = operation.requestBody?.content?.['application/json'];
      const anyOf = media?.schema?.anyOf;
      if (!media || !anyOf?.some((s) => s.type === 'null')) continue;
      const rest = anyOf.filter((s) => s.type !== 'null');
      if (rest.length !== 1) continue;
      media.schema = rest[0];
      operation.requestBody!.required = false;
    }
  }
  return document;
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
    transformObject: (input) => withoutUnusedSchemas(withOptionalBodies(withSharedErrorResponses(jsonSchemaTransformObject(input)))),
  });
  await app.register(swaggerUi, { routePrefix: DOCS_PREFIX, uiConfig: { deepLinking: true, persistAuthorization: false } });
  // The server is where clients reach this API: PUBLIC_URL, or the URL this document was fetched from.
  app.get('/openapi.json', { schema: { hide: true } }, async (request) => ({
    ...app.swagger(),
    servers: [{ url: publicBaseUrl(request, options.publicUrl) }],
  }));
}
