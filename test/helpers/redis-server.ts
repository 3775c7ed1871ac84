import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';

// A redis-server of the caller's own on a free loopback port: the only Redis a test may FLUSHALL
// (the shared one on 6379 serves everyone on the machine), and a clean one to measure memory in.

export interface RedisServer {
  url: string;
  port: number;
  stop(): Promise<void>;
}

/** `port`: start again where a stopped one listened (a Redis restart, as its clients see it); a free port otherwise. */
export async function startRedisServer(o: { maxmemoryPolicy?: string; port?: number } = {}): Promise<RedisServer> {
  const port = o.port ?? (await freePort());
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--maxmemory-policy', o.maxmemoryPolicy ?? 'noeviction'];
  const server = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    server.once('exit', (code) => reject(new Error(`redis-server exited with ${code}`)));
    server.stdout!.on('data', (chunk: Buffer) => chunk.toString().includes('Ready to accept connections') && resolve());
  });
  server.stdout!.resume();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    async stop() {
      const exited = once(server, 'exit');
      server.kill('SIGTERM');
      await exited;
    },
  };
}

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const port = (probe.address() as { port: number }).port;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

export interface DeadRedis {
  url: string;
  /** Connections attempted so far. */
  seen(): number;
  /** Resolves once `count` connections have been attempted since it started. */
  attempts(count: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * An address where Redis cannot be reached: every connection is reset as it arrives (a Redis that
 * is down behind a load balancer, to the client an ECONNRESET), and counted, so that a test can wait
 * for a client's reconnects as events rather than for time to pass.
 */
export async function startDeadRedis(): Promise<DeadRedis> {
  let seen = 0;
  const waiting = new Set<{ count: number; resolve: () => void }>();
  const server = createServer((socket) => {
    socket.resetAndDestroy();
    seen++;
    for (const w of waiting) {
      if (seen < w.count) continue;
      waiting.delete(w);
      w.resolve();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `redis://127.0.0.1:${port}`,
    seen: () => seen,
    attempts: (count) => (seen >= count ? Promise.resolve() : new Promise<void>((resolve) => waiting.add({ count, resolve }))),
    async close() {
      server.close();
      await once(server, 'close');
    },
  };
}
