import { once } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { cloneTemplate, dropDatabase, withAdmin } from '../helpers/postgres.ts';
import { FROM_SOURCE, serviceEnv, startService, SPAWNING } from './process.ts';

// A process that cannot start says why in ONE line on stderr and exits non-zero, never with a
// stack trace: the real entry point, spawned with a bad environment.

async function failure(env: Record<string, string>): Promise<{ code: number | null; line: string }> {
  const service = startService(FROM_SOURCE, serviceEnv(env));
  const { code } = await service.exited;
  const lines = service.stderr().trim().split('\n');
  expect(lines, service.stderr()).toHaveLength(1);
  expect(service.stderr()).not.toMatch(/^\s+at /m);
  return { code, line: lines[0]! };
}

/** A loopback port nothing listens on: bound by the OS for us, then released. */
async function unusedPort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  server.close();
  await once(server, 'close');
  return port;
}

describe('start-up with a bad configuration', SPAWNING, () => {
  it('names an invalid variable and the value given', async () => {
    const { code, line } = await failure({ PORT: 'abc' });
    expect(code).toBe(1);
    expect(line).toBe('coachbot cannot start: Invalid configuration: PORT is "abc": expected a whole number from 0 to 65535');
  });

  it('lists every invalid variable on the one line, and never repeats a password', async () => {
    const { code, line } = await failure({ DATABASE_URL: 'mysql://app:s3cret@db/app', MIGRATE_ON_START: 'maybe' });
    expect(code).toBe(1);
    expect(line).toBe(
      'coachbot cannot start: Invalid configuration: DATABASE_URL is "mysql://app:***@db/app": expected a postgres or postgresql URL; MIGRATE_ON_START is "maybe": expected true or false',
    );
  });

  it('says PostgreSQL is unreachable, where, and without the password', async () => {
    const port = await unusedPort();
    for (const migrate of ['true', 'false']) {
      const { code, line } = await failure({ DATABASE_URL: `postgresql://app:s3cret@127.0.0.1:${port}/coachbot`, MIGRATE_ON_START: migrate });
      expect(code).toBe(1);
      expect(line).toMatch(new RegExp(`^coachbot cannot start: PostgreSQL at 127\\.0\\.0\\.1:${port}/coachbot is unreachable: .*ECONNREFUSED`));
      expect(line).not.toContain('s3cret');
    }
  });

  it('says what PostgreSQL answered when it refuses, e.g. a database that does not exist', async () => {
    const { code, line } = await failure({
      DATABASE_URL: 'postgresql://postgres@127.0.0.1:5432/coachbot_t_no_such_database',
      MIGRATE_ON_START: 'false',
    });
    expect(code).toBe(1);
    expect(line).toBe(
      'coachbot cannot start: PostgreSQL at 127.0.0.1:5432/coachbot_t_no_such_database failed: database "coachbot_t_no_such_database" does not exist',
    );
  });

  describe('with a database', async () => {
    const { name, url } = await cloneTemplate();
    afterAll(() => withAdmin((client) => dropDatabase(client, name)));

    it('says the port is in use', async () => {
      const taken = createServer().listen(0, '127.0.0.1');
      await once(taken, 'listening');
      const { port } = taken.address() as AddressInfo;
      try {
        const { code, line } = await failure({ DATABASE_URL: url, PORT: String(port), NODE_ENV: 'production' });
        expect(code).toBe(1);
        expect(line).toBe(`coachbot cannot start: port ${port} on 127.0.0.1 is already in use: stop the other process or set PORT to a free port`);
      } finally {
        taken.close();
      }
    });
  });
});
