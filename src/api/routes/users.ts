import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { text, type Core } from '../../core/index.ts';
import { createUserInput, updateUserInput } from '../../core/users/index.ts';
import { actorOf } from '../auth.ts';
import { bodyFrom, idParams, page, pageQuery, queryBool, uuid } from '../schemas.ts';

export const ROLE = z.enum(['Member', 'Coach', 'Admin']);

export const user = z.object({
  id: uuid,
  name: z.string(),
  email: z.string().nullable(),
  role: ROLE,
  isActive: z.boolean(),
  timezone: z.string(),
  locale: z.string(),
  preferredPlatform: z.enum(['slack', 'discord', 'telegram', 'web']).nullable().describe('Where notices go when several chat platforms are linked; null: the platform last used'),
  memberProfile: z.object({ id: uuid }).nullable().describe('Set for members: the id member routes take'),
  coachProfile: z.object({ id: uuid }).nullable(),
  createdAt: z.date(),
  updatedAt: z.date(),
}).meta({ id: 'User' });

// The bodies are core's inputs (src/core/users/inputs.ts). Where the API differs, it checks type
// and length only and leaves the rest to core, whose 400 has always answered it (a name's trimming
// and characters, an email's form, a known time zone or locale) and which fills the defaults.
const name = text(100).min(1);
const timezone = z.string().min(1).max(64);
const locale = z.string().min(2).max(35);

const createBody = bodyFrom(createUserInput, {
  name,
  email: z.string().max(254).nullable().optional(),
  timezone: timezone.optional().describe('IANA time zone, default UTC'),
  locale: locale.optional().describe('BCP 47 tag, default en'),
});

export const updateBody = bodyFrom(updateUserInput, { name: name.optional(), timezone: timezone.optional(), locale: locale.optional() });

const listQuery = pageQuery.extend({
  role: ROLE.optional(),
  isActive: queryBool.optional(),
  search: text(100).min(1).optional().describe('Part of the name'),
});

export function userRoutes(core: Core): FastifyPluginAsyncZod {
  return async (app) => {
    const tags = ['users'];
    app.get(
      '/users',
      {
        schema: { tags, operationId: 'listUsers', summary: 'List users (admin)', querystring: listQuery, response: { 200: page(user, 'UserPage') } },
      },
      async (request) => core.users.list(actorOf(request), request.query),
    );

    app.post(
      '/users',
      {
        schema: {
          tags,
          operationId: 'createUser',
          summary: 'Create a user of any role (admin); members and coaches get their profile',
          body: createBody,
          response: { 201: user },
        },
      },
      async (request, reply) => reply.code(201).send(await core.users.create(actorOf(request), request.body)),
    );

    app.get(
      '/users/:id',
      {
        schema: { tags, operationId: 'getUser', summary: 'A user (yourself, or anyone for an admin)', params: idParams, response: { 200: user } },
      },
      async (request) => core.users.get(actorOf(request), request.params.id),
    );

    app.patch(
      '/users/:id',
      {
        schema: {
          tags,
          operationId: 'updateUser',
          summary: 'Change your name, time zone or locale; admins also change roles and deactivate accounts',
          params: idParams,
          body: updateBody,
          response: { 200: user },
        },
      },
      async (request) => core.users.update(actorOf(request), request.params.id, request.body),
    );
  };
}
