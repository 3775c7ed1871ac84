import { describe, expect, it } from 'vitest';
import { withPgConnection } from '../../src/db/client.ts';
import { setupCore } from '../helpers/core.ts';
import { proxiedDb } from '../helpers/tcp-proxy.ts';

// A connection lent out of the pool (our raw statements and transactions) that dies mid-statement:
// the statement fails, the process goes on (pg's 'error' event on the client must not become an
// uncaught exception, which Vitest reports as a failed run), and the pool connects afresh after.
// The connections go through a TCP proxy the test cuts; the shared PostgreSQL keeps running.

const { databaseUrl } = await setupCore();
const { db, proxy } = await proxiedDb(databaseUrl);

describe('a pooled connection lost while lent out', () => {
  it('fails its statement, does not end the process, and the pool connects again once the server is back', async () => {
    const failed = withPgConnection(db, async (c) => {
      const running = c.query('SELECT pg_sleep(60)');
      proxy.cut();
      return running;
    });
    await expect(failed).rejects.toMatchObject({ code: 'ECONNRESET' });
    // While cut, a new connection fails too, as an error of the caller's.
    await expect(withPgConnection(db, (c) => c.query('SELECT 1'))).rejects.toThrow();
    proxy.restore();
    const { rows } = await withPgConnection(db, (c) => c.query<{ one: number }>('SELECT 1 AS one'));
    expect(rows).toEqual([{ one: 1 }]);
  });
});
