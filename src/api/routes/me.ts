import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { PERMISSIONS } from '../../core/access/index.ts';
import type { Core } from '../../core/index.ts';
import { actorOf } from '../auth.ts';
import { bearerSecurity, errorResponses, uuid } from '../schemas.ts';

const whoami = z.object({
  userId: uuid,
  role: z.enum(['Member', 'Coach', 'Admin']),
  permissions: z.array(z.enum(PERMISSIONS)),
});

export function meRoutes(_core: Core): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/me',
      {
        schema: {
          tags: ['me'],
          summary: 'Who this token acts as',
          security: bearerSecurity,
          response: { 200: whoami, ...errorResponses },
        },
      },
      async (request) => {
        const actor = actorOf(request);
        return { userId: actor.userId, role: actor.role, permissions: [...actor.permissions].sort() };
      },
    );
  };
}
