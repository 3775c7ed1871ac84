import { z } from 'zod';

/** Cursor pagination shared by every list: the cursor is the id of the last item seen. */
export const pageInput = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(50),
  cursor: z.uuid({ message: 'must be a cursor returned by a previous page' }).optional(),
});

export type PageInput = z.infer<typeof pageInput>;

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** Prisma arguments for one page: one extra row tells whether another page follows. */
export function pageArgs(page: PageInput): { take: number; skip?: number; cursor?: { id: string } } {
  return page.cursor
    ? { take: page.limit + 1, skip: 1, cursor: { id: page.cursor } }
    : { take: page.limit + 1 };
}

export function toPage<T extends { id: string }>(rows: T[], page: PageInput): Page<T> {
  const more = rows.length > page.limit;
  const items = more ? rows.slice(0, page.limit) : rows;
  return { items, nextCursor: more ? (items.at(-1)?.id ?? null) : null };
}
