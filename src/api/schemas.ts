import { z } from 'zod';

// Building blocks of the route schemas: one zod schema is the validation, the serialisation and the
// OpenAPI description of a route (docs/design.md §8). A shape the API answers in more than one
// place gets an id with `.meta({ id })`: the document then defines it once, as a named component
// every use refers to, and generated clients get a named type for it.

export const uuid = z.uuid({ message: 'must be a UUID' });

export const errorBody = z
  .object({
    statusCode: z.number().int(),
    message: z.string(),
    error: z.string().describe('Stable snake_case code, e.g. validation_failed, missing_permission, slot_full'),
    details: z.unknown().optional().describe('validation_failed: { in, issues: [{ field, message }] }; internal_error: { requestId }'),
  })
  .meta({ id: 'Error', description: 'Every error answers with this shape' });

export const idParams = z.object({ id: uuid });

/** `?limit=&cursor=`: the cursor is the `nextCursor` of the previous page. */
export const pageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).optional().describe('Page size, 1-100 (default 50)'),
  cursor: uuid.optional().describe('nextCursor of the previous page'),
});

/** A page of a cursor-paginated list, named `<Item>Page` in the document. */
export function page<T extends z.ZodType>(item: T, id: string) {
  return z
    .object({ items: z.array(item), nextCursor: z.string().nullable().describe('Pass as ?cursor= for the next page; null on the last') })
    .meta({ id, description: 'One page of a list; follow nextCursor until it is null' });
}

/** A whole (short) list, without pages, named `<Item>List` in the document. */
export function list<T extends z.ZodType>(item: T, id: string) {
  return z.object({ items: z.array(item) }).meta({ id });
}

/** Query-string booleans arrive as text. */
export const queryBool = z.enum(['true', 'false']).transform((v) => v === 'true');
