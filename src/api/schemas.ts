import { z } from 'zod';

// Building blocks of the route schemas: one zod schema is the validation, the serialisation and the
// OpenAPI description of a route (STYLE, Fastify anchor).

export const uuid = z.uuid({ message: 'must be a UUID' });

export const errorBody = z
  .object({
    statusCode: z.number().int(),
    message: z.string(),
    error: z.string().describe('Stable snake_case code, e.g. validation_failed, missing_permission, slot_full'),
    details: z.unknown().optional(),
  })
  .describe('Every error answers with this shape');

/** The error statuses a protected route can answer, documented once. */
export const errorResponses = {
  400: errorBody,
  401: errorBody,
  403: errorBody,
  404: errorBody,
  409: errorBody,
  422: errorBody,
  429: errorBody,
} as const;

export const idParams = z.object({ id: uuid });

/** `?limit=&cursor=`: the cursor is the `nextCursor` of the previous page. */
export const pageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).optional().describe('Page size, 1-100 (default 50)'),
  cursor: uuid.optional().describe('nextCursor of the previous page'),
});

export function page<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item), nextCursor: z.string().nullable() });
}

/** Query-string booleans arrive as text. */
export const queryBool = z.enum(['true', 'false']).transform((v) => v === 'true');

export const bearerSecurity = [{ bearerAuth: [] }];
