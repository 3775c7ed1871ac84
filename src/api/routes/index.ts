import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { AppDeps } from '../app.ts';
import { meRoutes } from './me.ts';
import { notificationRoutes } from './notifications.ts';
import { permissionRoutes } from './permissions.ts';
import { tokenRoutes } from './tokens.ts';

// One plugin per resource (STYLE, Fastify anchor). Public routes carry their own secret or none.

export function publicRoutes(_deps: AppDeps): FastifyPluginAsyncZod {
  return async () => {};
}

export function protectedRoutes(deps: AppDeps): FastifyPluginAsyncZod {
  const { core } = deps;
  return async (app) => {
    await app.register(meRoutes(core));
    await app.register(tokenRoutes(core));
    await app.register(notificationRoutes(core));
    await app.register(permissionRoutes(core));
  };
}
