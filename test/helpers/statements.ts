import { pgPool, type Db } from '../../src/db/client.ts';

/**
 * Counts the SQL statements a client made by createDb sends, through Prisma or raw alike: each
 * connection its pool hands out counts the queries it is given. `count()` reads, `reset()` zeroes.
 */
export function countStatements(db: Db): { count(): number; reset(): void } {
  let statements = 0;
  const counting = new WeakSet<object>();
  pgPool(db).on('acquire', (client) => {
    if (counting.has(client)) return;
    counting.add(client);
    const query = client.query.bind(client) as (...args: unknown[]) => unknown;
    (client as { query: (...args: unknown[]) => unknown }).query = (...args) => {
      statements++;
      return query(...args);
    };
  });
  return { count: () => statements, reset: () => void (statements = 0) };
}
