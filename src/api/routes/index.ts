import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { AppDeps } from '../app.ts';
import { availabilityRoutes } from './availability.ts';
import { bookingRoutes } from './bookings.ts';
import { coachRoutes } from './coaches.ts';
import { meRoutes } from './me.ts';
import { memberRoutes } from './members.ts';
import { notificationRoutes } from './notifications.ts';
import { permissionRoutes } from './permissions.ts';
import { tokenRoutes } from './tokens.ts';
import { userRoutes } from './users.ts';

// One plugin per resource (STYLE, Fastify anchor). Public routes carry their own secret or none.

export function publicRoutes(_deps: AppDeps): FastifyPluginAsyncZod {
  return async () => {};
}

export function protectedRoutes(deps: AppDeps): FastifyPluginAsyncZod {
  const { core } = deps;
  return async (app) => {
    await app.register(meRoutes(core));
    await app.register(userRoutes(core));
    await app.register(permissionRoutes(core));
    await app.register(tokenRoutes(core));
    await app.register(memberRoutes(core));
    await app.register(coachRoutes(core));
    await app.register(availabilityRoutes(core));
    await app.register(bookingRoutes(core));
    await app.register(notificationRoutes(core));
  };
}
