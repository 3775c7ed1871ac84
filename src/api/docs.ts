import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { jsonSchemaTransform } from 'fastify-type-provider-zod';

// The OpenAPI document is generated from the same zod schemas that validate and serialise each
// route, so the docs cannot drift from the behaviour.

export const DOCS_PREFIX = '/docs';

export async function registerDocs(app: FastifyInstance, version: string): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Coachbot admin API',
        version,
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
  });
  await app.register(swaggerUi, { routePrefix: DOCS_PREFIX, uiConfig: { deepLinking: true, persistAuthorization: false } });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
}
