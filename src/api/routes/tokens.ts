import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { instantText, text, type Core } from '../../core/index.ts';
import { createTokenInput } from '../../core/tokens/index.ts';
import { actorOf } from '../auth.ts';
import { bodyFrom, idParams, page, pageQuery, queryBool, uuid } from '../schemas.ts';

const tokenView = z.object({
  id: uuid,
  userId: uuid,
  name: z.string(),
  prefix: z.string().describe('First characters of the token, to recognise it'),
  lastUsedAt: z.date().nullable().describe('Updated at most once a minute'),
  expiresAt: z.date().nullable(),
  revokedAt: z.date().nullable(),
  createdAt: z.date(),
}).meta({ id: 'Token', description: 'An API token, without its secret' });

const issuedToken = tokenView
  .extend({ token: z.string().describe('The secret: shown this once, stored only as a hash') })
  .meta({ id: 'IssuedToken', description: 'A new API token with its secret' });

// The body is core's input (src/core/tokens/service.ts). Where the API differs: the name is checked
// for length only (core trims it and refuses control characters) and core names the default; the
// expiry is ISO text only (core's also takes a Date, from code).
const createBody = bodyFrom(createTokenInput, { name: text(100).min(1).optional(), expiresAt: instantText.optional() });

const listQuery = pageQuery.extend({
  userId: uuid.optional().describe('Admin only: whose tokens; omitted, an admin sees everyone\'s'),
  includeRevoked: queryBool.optional(),
});

export function tokenRoutes(core: Core): FastifyPluginAsyncZod {
  return async (app) => {
    const tags = ['tokens'];
    app.post(
      '/tokens',
      {
        schema: {
          tags,
          operationId: 'createToken',
          summary: 'Create an API token for yourself, or (admin) for another user',
          body: createBody,
          response: { 201: issuedToken },
        },
      },
      async (request, reply) => reply.code(201).send(await core.tokens.create(actorOf(request), request.body)),
    );

    app.get(
      '/tokens',
      {
        schema: {
          tags,
          operationId: 'listTokens',
          summary: 'List API tokens (your own; an admin sees all)',
          querystring: listQuery,
          response: { 200: page(tokenView, 'TokenPage') },
        },
      },
      async (request) => core.tokens.list(actorOf(request), request.query),
    );

    app.delete(
      '/tokens/:id',
      {
        schema: {
          tags,
          operationId: 'revokeToken',
          summary: 'Revoke an API token',
          params: idParams,
          response: { 200: tokenView },
        },
      },
      async (request) => core.tokens.revoke(actorOf(request), request.params.id),
    );
  };
}
