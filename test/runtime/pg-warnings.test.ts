import { afterAll, describe, expect, it } from 'vitest';
import { cloneTemplate, dropDatabase, withAdmin } from '../helpers/postgres.ts';
import { FROM_SOURCE, serviceEnv, startService, SPAWNING } from './process.ts';

// pg 8 warns, and pg 9 fails, when a second statement is sent on a connection still running one.
// A session read inside a transaction (its member, coach and group conversation) made Prisma send
// one statement per relation at once on the transaction's connection. Seeding the demo completes
// and rates sessions that way, so a development process on an empty database shows it at start.

const { name, url } = await cloneTemplate();
afterAll(() => withAdmin((client) => dropDatabase(client, name)), SPAWNING.timeout);

describe('PostgreSQL statements of a process', SPAWNING, () => {
  it('never overlap on one connection: no pg deprecation warning while the demo is seeded', async () => {
    const service = startService([...FROM_SOURCE, '--role', 'worker'], serviceEnv({ DATABASE_URL: url, NODE_ENV: 'development' }));
    await service.logged((l) => /^seeded the demo/.test(l.msg));
    await service.logged((l) => /^server ready at /.test(l.msg));
    service.child.kill('SIGTERM');
    expect(await service.exited).toEqual({ code: 0, signal: null });
    expect(service.stderr()).not.toContain('already executing a query');
  });
});
