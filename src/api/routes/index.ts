import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Core } from '../../core/index.ts';
import { availabilityRoutes } from './availability.ts';
import { bookingRoutes } from './bookings.ts';
import type { Throttle } from '../throttle.ts';
import { calendarFeedRoutes, calendarIcsRoute } from './calendar.ts';
import { coachRoutes } from './coaches.ts';
import { creditRoutes } from './credits.ts';
import { dashboardRoutes } from './dashboards.ts';
import { linkRoutes } from './links.ts';
import { meRoutes } from './me.ts';
import { memberRoutes } from './members.ts';
import { notificationRoutes } from './notifications.ts';
import { permissionRoutes } from './permissions.ts';
import { bookingSeriesRoutes } from './series.ts';
import { sessionRoutes } from './sessions.ts';
import { tokenRoutes } from './tokens.ts';
import { userRoutes } from './users.ts';
import { waitlistRoutes } from './waitlist.ts';

// One plugin per resource (docs/design.md §8). Public routes carry their own secret or none.

/** What the resource routes are built from: core, and the public address feed links point at. */
export interface RouteDeps {
  core: Core;
  publicUrl: string | undefined;
}

export function publicRoutes(deps: RouteDeps, throttle: Throttle): FastifyPluginAsyncZod {
  return async (app) => {
    await app.register(calendarIcsRoute(deps.core, throttle));
  };
}

export function protectedRoutes(deps: RouteDeps): FastifyPluginAsyncZod {
  const { core } = deps;
  return async (app) => {
    await app.register(meRoutes(core));
    await app.register(userRoutes(core));
    await app.register(permissionRoutes(core));
    await app.register(tokenRoutes(core));
    await app.register(linkRoutes(core));
    await app.register(memberRoutes(core));
    await app.register(coachRoutes(core));
    await app.register(creditRoutes(core));
    await app.register(availabilityRoutes(core));
    await app.register(bookingRoutes(core));
    await app.register(waitlistRoutes(core));
    await app.register(bookingSeriesRoutes(core));
    await app.register(sessionRoutes(core));
    await app.register(dashboardRoutes(core));
    await app.register(calendarFeedRoutes(core, deps.publicUrl));
    await app.register(notificationRoutes(core));
  };
}
