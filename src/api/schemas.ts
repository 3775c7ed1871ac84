import { z } from 'zod';
import { MAX_SLOT_MINUTES, MIN_SLOT_MINUTES } from '../core/availability/index.ts';

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

/**
 * A request body built from core's input object, so both take the same fields: unknown fields are
 * refused (a 400 naming each), and `differences` replaces the fields the API checks otherwise; the
 * route says why at each. Core's rules across fields (at least one change, one way of naming a
 * slot) are left to core, which answers them the same for the API and the bot.
 */
export function bodyFrom<S extends z.ZodRawShape, D extends z.ZodRawShape = Record<never, never>>(input: z.ZodObject<S>, differences = {} as D) {
  return z.strictObject(input.shape).extend(differences);
}

/**
 * Minutes as a JSON number. Core's durations also take text ("60", as a chat form sends it) and
 * word their refusals for a chat; the API refuses text and keeps its published messages.
 */
export const minutes = z.number().int().min(MIN_SLOT_MINUTES).max(MAX_SLOT_MINUTES);

/** Query-string booleans arrive as text. */
export const queryBool = z.enum(['true', 'false']).transform((v) => v === 'true');
