import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

// PostgreSQL and Redis of the chaos run's own, on free loopback ports: the only servers a test may
// stop, restart and wipe (the shared ones on 5432 and 6379 serve everyone on the machine).
// Every wait is for an event: `pg_ctl -w` returns once the server accepts connections, Redis says
// "Ready to accept connections".

export async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const port = (probe.address() as { port: number }).port;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

function run(command: string, args: string[]): string {
  const result = spawnSync(command, args, { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (${result.status}): ${result.stderr}${result.stdout}`);
  return result.stdout;
}

/** PostgreSQL's binaries (Debian keeps them outside PATH, one folder per major version). */
function pgBin(name: string): string {
  const versions = readdirSync('/usr/lib/postgresql').sort((a, b) => Number(b) - Number(a));
  if (!versions.length) throw new Error('no PostgreSQL under /usr/lib/postgresql');
  return path.join('/usr/lib/postgresql', versions[0]!, 'bin', name);
}

/** initdb and the server refuse to run as root; as root, run them as the `postgres` user. */
function asPostgres(command: string, args: string[]): [string, string[]] {
  return process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', command, ...args]] : [command, args];
}

export interface Postgres {
  port: number;
  url(database: string): string;
  start(): Promise<void>;
  /** A fast shutdown: open sessions are ended, transactions in flight roll back. */
  stop(): Promise<void>;
  /** Stops and removes the cluster. */
  destroy(): Promise<void>;
}

export async function startPostgres(): Promise<Postgres> {
  const dir = mkdtempSync(path.join(tmpdir(), 'coachbot-chaos-pg-'));
  chmodSync(dir, 0o777);
  const data = path.join(dir, 'data');
  const port = await freePort();
  const pgCtl = (...args: string[]) => run(...asPostgres(pgBin('pg_ctl'), ['-D', data, ...args]));
  run(...asPostgres(pgBin('initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8']));
  // fsync off: the run tests the service's behaviour across a restart, not the disk's durability.
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c max_connections=200 -c fsync=off -c full_page_writes=off`;
  const start = async () => void pgCtl('start', '-w', '-t', '600', '-l', path.join(dir, 'log'), '-o', options);
  await start();
  return {
    port,
    url: (database) => `postgresql://postgres@127.0.0.1:${port}/${database}`,
    start,
    stop: async () => void pgCtl('stop', '-w', '-t', '600', '-m', 'fast'),
    async destroy() {
      try {
        pgCtl('stop', '-w', '-t', '600', '-m', 'immediate');
      } catch {
        // Already stopped.
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface RedisProcess {
  url: string;
  start(): Promise<void>;
  /** Stops the server; it keeps nothing on disk, so a restart starts empty. */
  stop(): Promise<void>;
}

export async function startRedis(): Promise<RedisProcess> {
  const port = await freePort();
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--maxmemory-policy', 'noeviction'];
  let server: ReturnType<typeof spawn> | undefined;
  async function start(): Promise<void> {
    const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'inherit'] });
    server = child;
    // A run that is itself killed leaves no server behind it.
    process.once('exit', () => child.kill('SIGKILL'));
    await new Promise<void>((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`redis-server exited with ${code}`)));
      child.stdout!.on('data', (chunk: Buffer) => chunk.toString().includes('Ready to accept connections') && resolve());
    });
    child.stdout!.resume();
  }
  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    start,
    async stop() {
      if (!server || server.exitCode !== null) return;
      const exited = once(server, 'exit');
      server.kill('SIGTERM');
      await exited;
    },
  };
}
