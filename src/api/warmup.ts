import type { FastifyInstance } from 'fastify';
import type { Actor, Core } from '../core/index.ts';

// Before the port opens, the process runs the code its first requests will run, so that those do
// not pay for it: Fastify's route compilation, the OpenAPI document, authentication's token lookup,
// and Prisma's query plans for the common reads. Nothing here writes.

/**
 * Requests from a documentation address (RFC 5737), so no real client's rate-limit budget is spent;
 * no client can connect from it, so it also tells the request log which requests to leave out.
 */
const WARM_UP_ADDRESS = '192.0.2.1';

/** Whether a request is one of the warm-up's own: they are not logged (buildApp's log controller). */
export const isWarmUpRequest = (request: { ip: string }) => request.ip === WARM_UP_ADDRESS;

/** An admin that exists only in this process, for reads that need an actor; it holds no token. */
const WARM_UP_ACTOR: Actor = { userId: '00000000-0000-4000-8000-000000000000', role: 'Admin', permissions: new Set() };

/** Warms the app up; answers the URLs it requested. */
export async function warmUpApi(app: FastifyInstance, core: Core): Promise<string[]> {
  await app.ready();
  const bogus = { authorization: 'Bearer cb_warm_up_not_a_token' };
  const requests = [
    { url: '/healthz' },
    { url: '/openapi.json' },
    { url: '/docs' },
    { url: '/me', headers: bogus },
    { url: '/bookings', headers: bogus },
    { url: '/no/such/route' },
  ];
  for (const r of requests) await app.inject({ method: 'GET', remoteAddress: WARM_UP_ADDRESS, ...r });

  const today = new Date().toISOString().slice(0, 10);
  const reads: Array<() => Promise<unknown>> = [
    () => core.coaches.list(WARM_UP_ACTOR, { limit: 1 }),
    () => core.members.list(WARM_UP_ACTOR, { limit: 1 }),
    () => core.sessions.list(WARM_UP_ACTOR, { limit: 1 }),
    () => core.bookings.list(WARM_UP_ACTOR, { limit: 1 }),
    () => core.availability.listSlots(undefined, { coachId: WARM_UP_ACTOR.userId, startDate: today, endDate: today }),
  ];
  // A read refused for the made-up actor or coach has still compiled and run its queries.
  for (const read of reads) await read().catch(() => undefined);
  return requests.map((r) => r.url);
}
