import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { PERMISSIONS } from '../../core/access/index.ts';
import type { Core } from '../../core/index.ts';
import { actorOf } from '../auth.ts';
import { uuid } from '../schemas.ts';
import { updateBody, user } from './users.ts';

const whoami = z.object({
  userId: uuid,
  role: z.enum(['Member', 'Coach', 'Admin']),
  permissions: z.array(z.enum(PERMISSIONS)),
}).meta({ id: 'Me' });

export function meRoutes(core: Core): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/me',
      {
        schema: {
          tags: ['me'],
          operationId: 'getMe',
          summary: 'Who this token acts as',
          response: { 200: whoami },
        },
      },
      async (request) => {
        const actor = actorOf(request);
        return { userId: actor.userId, role: actor.role, permissions: [...actor.permissions].sort() };
      },
    );

    app.patch(
      '/me',
      {
        schema: {
          tags: ['me'],
          operationId: 'updateMe',
          summary: 'Change your own name, time zone, locale, or where notices go (preferredPlatform: one of your linked platforms, or null for the one last used)',
          body: updateBody,
          response: { 200: user },
        },
      },
      async (request) => {
        const actor = actorOf(request);
        return core.users.update(actor, actor.userId, request.body);
      },
    );
  };
}
