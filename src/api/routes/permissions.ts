import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { grantInput, PERMISSIONS } from '../../core/access/index.ts';
import type { Core } from '../../core/index.ts';
import { actorOf } from '../auth.ts';
import { bodyFrom, idParams, uuid } from '../schemas.ts';

const permission = z.enum(PERMISSIONS);
const granted = z.object({ userId: uuid, permissions: z.array(permission) }).meta({ id: 'UserPermissions' });

export function permissionRoutes(core: Core): FastifyPluginAsyncZod {
  return async (app) => {
    const tags = ['permissions'];
    app.get(
      '/users/:id/permissions',
      {
        schema: {
          tags,
          operationId: 'listUserPermissions',
          summary: 'A user\'s permissions (your own, or anyone\'s for an admin)',
          params: idParams,
          response: { 200: granted },
        },
      },
      async (request) => ({
        userId: request.params.id,
        permissions: await core.access.permissionsOf(actorOf(request), request.params.id),
      }),
    );

    app.post(
      '/users/:id/permissions',
      {
        schema: {
          tags,
          operationId: 'grantPermission',
          summary: 'Grant a permission (admin)',
          params: idParams,
          body: bodyFrom(grantInput.pick({ permission: true })),
          response: { 200: granted },
        },
      },
      async (request) => ({
        userId: request.params.id,
        permissions: await core.access.grant(actorOf(request), { userId: request.params.id, permission: request.body.permission }),
      }),
    );

    app.delete(
      '/users/:id/permissions/:permission',
      {
        schema: {
          tags,
          operationId: 'revokePermission',
          summary: 'Revoke a permission (admin)',
          params: z.object({ id: uuid, permission }),
          response: { 200: granted },
        },
      },
      async (request) => ({
        userId: request.params.id,
        permissions: await core.access.revoke(actorOf(request), { userId: request.params.id, permission: request.params.permission }),
      }),
    );
  };
}
