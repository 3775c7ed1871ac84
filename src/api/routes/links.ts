import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Core } from '../../core/index.ts';
import { actorOf } from '../auth.ts';
import { idParams, list, uuid } from '../schemas.ts';

// Chat accounts of existing users: a one-time code to send as `/link <code>` from any chat
// platform, and the accounts linked so far. Admins act for anyone, everyone else for themself.

const linkCode = z.object({
  code: z.string().describe('Send `/link <code>` from the chat account to link; shown once, single use, stored only as a hash'),
  userId: uuid,
  expiresAt: z.date().describe('15 minutes after it was issued; a newer code for the same user also retires it'),
}).meta({ id: 'LinkCode' });

const chatIdentity = z.object({
  id: uuid,
  platform: z.enum(['slack', 'discord', 'telegram', 'web']),
  scope: z.string().describe('Slack team, Discord application, Telegram bot or "local" (playground) the account belongs to'),
  platformUserId: z.string(),
  createdAt: z.date(),
}).meta({ id: 'ChatIdentity', description: 'A chat account linked to a user' });

const chatIdentityStatus = chatIdentity.extend({
  lastUsedAt: z.date().nullable().describe('When the user last wrote from it'),
  unreachableAt: z.date().nullable().describe('When delivery there failed for good (bot blocked, workspace uninstalled, DM closed); null: reachable. Cleared when the user writes from it again'),
  unreachableReason: z.string().nullable(),
  receivesNotices: z.boolean().describe("Whether notices go here now: the preferred platform's account, else the one last used, passing over unreachable ones"),
}).meta({ id: 'ChatIdentityStatus', description: 'A linked chat account and where notices stand on it' });

const identityParams = idParams.extend({ identityId: uuid });

export function linkRoutes(core: Core): FastifyPluginAsyncZod {
  return async (app) => {
    const tags = ['chat-accounts'];

    app.post(
      '/users/:id/link-codes',
      {
        schema: { tags, operationId: 'createLinkCode', summary: "A one-time code that links a chat account to a user (admin, or the user themself)", params: idParams, response: { 201: linkCode } },
      },
      async (request, reply) => reply.code(201).send(await core.links.issue(actorOf(request), request.params.id)),
    );

    app.post(
      '/me/link-codes',
      { schema: { tags, operationId: 'createMyLinkCode', summary: 'A one-time code that links a chat account to you', response: { 201: linkCode } } },
      async (request, reply) => reply.code(201).send(await core.links.issue(actorOf(request), actorOf(request).userId)),
    );

    app.get(
      '/users/:id/chat-identities',
      {
        schema: { tags, operationId: 'listChatIdentities', summary: "A user's linked chat accounts (admin, or the user themself)", params: idParams, response: { 200: list(chatIdentityStatus, 'ChatIdentityList') } },
      },
      async (request) => ({ items: await core.links.listIdentities(actorOf(request), request.params.id) }),
    );

    app.delete(
      '/users/:id/chat-identities/:identityId',
      {
        schema: {
          tags,
          operationId: 'deleteChatIdentity',
          summary: 'Unlink a chat account: the bot forgets it (admin, or the user themself)',
          params: identityParams,
          response: { 200: chatIdentity },
        },
      },
      async (request) => core.links.removeIdentity(actorOf(request), request.params.id, request.params.identityId),
    );
  };
}
