import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { hashFeedToken } from '../../core/calendar/index.ts';
import { NotFoundError, ValidationError, type Core } from '../../core/index.ts';
import type { Throttle } from '../throttle.ts';
import { actorOf } from '../auth.ts';
import { publicBaseUrl } from '../public-url.ts';
import { idParams, uuid } from '../schemas.ts';

// Calendar subscriptions: a secret URL per user that calendar apps poll. The URL is the credential,
// so it is shown once, revocable, and masked in the logs.

const createdFeed = z.object({
  feedId: uuid,
  url: z.string().describe('Secret subscription URL, shown once; creating a new one revokes the old one'),
  createdAt: z.date(),
}).meta({ id: 'CalendarFeed' });

const revoked = z.object({ revoked: z.number().int().describe('Live feeds revoked (0 or 1)') }).meta({ id: 'CalendarFeedRevocation' });

export function feedUrl(request: FastifyRequest, publicUrl: string | undefined, token: string): string {
  return `${publicBaseUrl(request, publicUrl)}/calendar/${token}.ics`;
}

/** Creating and revoking feeds: behind a token. */
export function calendarFeedRoutes(core: Core, publicUrl: string | undefined): FastifyPluginAsyncZod {
  return async (app) => {
    const common = { tags: ['calendar'] };

    const create = async (request: FastifyRequest, userId: string) => {
      const feed = await core.calendar.createFeed(actorOf(request), userId);
      return { feedId: feed.feedId, url: feedUrl(request, publicUrl, feed.token), createdAt: feed.createdAt };
    };

    app.post(
      '/me/calendar-feed',
      { schema: { ...common, operationId: 'createMyCalendarFeed', summary: 'Create your ICS subscription URL', response: { 201: createdFeed } } },
      async (request, reply) => reply.code(201).send(await create(request, actorOf(request).userId)),
    );

    app.delete(
      '/me/calendar-feed',
      { schema: { ...common, operationId: 'revokeMyCalendarFeed', summary: 'Revoke your ICS subscription URL', response: { 200: revoked } } },
      async (request) => core.calendar.revokeFeed(actorOf(request), actorOf(request).userId),
    );

    app.post(
      '/users/:id/calendar-feed',
      {
        schema: { ...common, operationId: 'createUserCalendarFeed', summary: "Create a user's ICS subscription URL (admin)", params: idParams, response: { 201: createdFeed } },
      },
      async (request, reply) => reply.code(201).send(await create(request, request.params.id)),
    );

    app.delete(
      '/users/:id/calendar-feed',
      { schema: { ...common, operationId: 'revokeUserCalendarFeed', summary: "Revoke a user's ICS subscription URL (admin)", params: idParams, response: { 200: revoked } } },
      async (request) => core.calendar.revokeFeed(actorOf(request), request.params.id),
    );
  };
}

/** The feed itself: public, the token in the URL is the credential. */
export function calendarIcsRoute(core: Core, throttle: Throttle): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/calendar/:token.ics',
      {
        // Throttled in the handler, once the secret is known to be a feed's or not.
        config: { rateLimit: false },
        schema: {
          tags: ['calendar'],
          operationId: 'getCalendarFeed',
          summary: 'ICS feed of a user\'s coaching sessions (no bearer token: the URL is secret)',
          params: z.object({ token: z.string().min(1).max(128) }),
          response: {
            200: { description: 'iCalendar text', content: { 'text/calendar': { schema: z.string() } } },
          },
        },
      },
      async (request, reply) => {
        // A secret that is not a live feed's is a failed authentication: guesses are throttled per IP.
        // A live one counts against its feed, not the IP: calendar services poll many feeds from few IPs.
        const ics = await throttle.verifyCredential(
          request,
          () => core.calendar.renderFeed(request.params.token),
          (e) => e instanceof NotFoundError || e instanceof ValidationError,
        );
        await throttle.countVerified(request, reply, `feed:${hashFeedToken(request.params.token)}`);
        return reply.type('text/calendar; charset=utf-8').header('cache-control', 'private, max-age=300').send(ics);
      },
    );
  };
}
