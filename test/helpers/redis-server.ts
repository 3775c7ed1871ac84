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
