import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { createPackageInput, grantCreditsInput } from '../../core/credits/index.ts';
import type { Core } from '../../core/index.ts';
import { actorOf } from '../auth.ts';
import { bodyFrom, list, queryBool, uuid } from '../schemas.ts';

// Session packages and the credit ledger (docs/design.md §12). Permissions and ownership are core's.

const creditPackage = z
  .object({
    id: uuid,
    coachId: uuid,
    name: z.string(),
    sessions: z.number().int().describe('Credits a grant from it gives'),
    validityDays: z.number().int().describe('Days from the grant until its unspent credits expire'),
    archivedAt: z.date().nullable().describe('Archived: nothing more is granted from it'),
    createdAt: z.date(),
    updatedAt: z.date(),
  })
  .meta({ id: 'CreditPackage', description: "A coach's session package" });

const entry = z
  .object({
    id: uuid,
    memberId: uuid,
    coachId: uuid,
    kind: z.enum(['grant', 'reserve', 'release', 'consume', 'expire', 'adjust']),
    amount: z.number().int().describe('Change to the balance: + grant, release, adjust up; - reserve, expire, adjust down; 0 consume'),
    grantId: z.string().describe('The grant this entry draws on; its own id for a grant'),
    expiresAt: z.date().nullable().describe("A grant's expiry"),
    packageId: z.string().nullable(),
    sessionId: z.string().nullable(),
    reason: z.string().nullable(),
    actorId: z.string().nullable(),
    at: z.date(),
  })
  .meta({ id: 'CreditEntry', description: 'One entry of the append-only credit ledger' });

const ledger = z
  .object({
    memberId: uuid,
    coachId: uuid,
    requiresCredits: z.boolean(),
    balance: z.number().int().describe('The sum of the ledger'),
    available: z.number().int().describe('Credits a booking can draw on now (live grants)'),
    total: z.number().int().describe('Credits given by the live grants'),
    until: z.date().nullable().describe('Soonest expiry of a live grant with credit left'),
    reserved: z.number().int().describe('Credits held by sessions not yet ended or cancelled'),
    entries: z.array(entry).describe('Newest first'),
  })
  .meta({ id: 'CreditLedger', description: "A member's credits with one coach: balance and ledger" });

const coachParams = z.object({ coachId: uuid });

export function creditRoutes(core: Core): FastifyPluginAsyncZod {
  return async (app) => {
    const common = { tags: ['credits'] };

    app.post(
      '/coaches/:coachId/packages',
      {
        schema: {
          ...common,
          operationId: 'createPackage',
          summary: "Create a package (the coach, or coaches:write)",
          params: coachParams,
          body: bodyFrom(createPackageInput),
          response: { 201: creditPackage },
        },
      },
      async (request, reply) => reply.code(201).send(await core.credits.createPackage(actorOf(request), request.params.coachId, request.body)),
    );

    app.get(
      '/coaches/:coachId/packages',
      {
        schema: {
          ...common,
          operationId: 'listPackages',
          summary: "A coach's packages (the coach, their members, an admin)",
          params: coachParams,
          querystring: z.object({ includeArchived: queryBool.optional() }),
          response: { 200: list(creditPackage, 'CreditPackageList') },
        },
      },
      async (request) => ({ items: await core.credits.listPackages(actorOf(request), request.params.coachId, request.query) }),
    );

    app.post(
      '/coaches/:coachId/packages/:packageId/archive',
      {
        schema: {
          ...common,
          operationId: 'archivePackage',
          summary: 'Archive a package: nothing more is granted from it (credits granted stay)',
          params: z.object({ coachId: uuid, packageId: uuid }),
          response: { 200: creditPackage },
        },
      },
      async (request) => core.credits.archivePackage(actorOf(request), request.params.coachId, request.params.packageId),
    );

    app.get(
      '/members/:memberId/credits',
      {
        schema: {
          ...common,
          operationId: 'listCreditLedger',
          summary: "A member's credit ledger with their coach (or coachId), with the balance and expiry",
          params: z.object({ memberId: uuid }),
          querystring: z.object({
            coachId: uuid.optional(),
            limit: z.coerce.number().int().min(1).max(500).optional().describe('Entries, newest first (default 100)'),
          }),
          response: { 200: ledger },
        },
      },
      async (request) => core.credits.listLedger(actorOf(request), request.params.memberId, request.query),
    );

    app.post(
      '/members/:memberId/credits',
      {
        schema: {
          ...common,
          operationId: 'grantCredits',
          summary: "Grant credits from a package or a count (the member's coach, an admin), or adjust them (admin, with a reason)",
          params: z.object({ memberId: uuid }),
          body: bodyFrom(grantCreditsInput),
          response: { 201: ledger },
        },
      },
      async (request, reply) => reply.code(201).send(await core.credits.grant(actorOf(request), request.params.memberId, request.body)),
    );
  };
}
