import type { Page } from '../../src/core/pagination.ts';

/** Every item of a core listing, following nextCursor to the end (and failing if it never ends). */
export async function allPages<T>(fetch: (cursor: string | undefined) => Promise<Page<T>>): Promise<T[]> {
  const seen: T[] = [];
  let cursor: string | undefined;
  for (let guard = 0; guard < 1000; guard++) {
    const page = await fetch(cursor);
    seen.push(...page.items);
    if (!page.nextCursor) return seen;
    cursor = page.nextCursor;
  }
  throw new Error('pagination did not end');
}
