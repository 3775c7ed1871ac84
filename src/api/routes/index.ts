import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { AppDeps } from '../app.ts';
import { availabilityRoutes } from './availability.ts';
import { bookingRoutes } from './bookings.ts';
import type { Throttle } from '../throttle.ts';
import { calendarFeedRoutes, calendarIcsRoute } from './calendar.ts';
import { coachRoutes } from './coaches.ts';
import { dashboardRoutes } from './dashboards.ts';
import { meRoutes } from './me.ts';
import { memberRoutes } from './members.ts';
import { notificationRoutes } from './notifications.ts';
import { permissionRoutes } from './permissions.ts';
import { sessionRoutes } from './sessions.ts';
import { tokenRoutes } from './tokens.ts';
import { userRoutes } from './users.ts';

// One plugin per resource (docs/design.md §8). Public routes carry their own secret or none.

export function publicRoutes(deps: AppDeps, throttle: Throttle): FastifyPluginAsyncZod {
  return async (app) => {
    await app.register(calendarIcsRoute(deps.core, throttle));
  };
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
    await app.register(sessionRoutes(core));
    await app.register(dashboardRoutes(core));
    await app.register(calendarFeedRoutes(core, deps.config.PUBLIC_URL));
    await app.register(notificationRoutes(core));
  };
}
