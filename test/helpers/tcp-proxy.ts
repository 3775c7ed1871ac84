import { once } from 'node:events';
import { createServer, connect, type Socket } from 'node:net';

// A TCP proxy on a free loopback port in front of a server that others share (PostgreSQL), so that
// a test can make that server unreachable for one client only: `cut()` resets every connection
// through it and every new one, `restore()` lets connections through again. The port stays bound
// throughout, so the client's URL keeps working once restored.

export interface TcpProxy {
  /** host:port to connect to instead of the target. */
  address: string;
  /** Resets every open connection and refuses new ones (each is reset as it arrives). */
  cut(): void;
  restore(): void;
  close(): Promise<void>;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const open = new Set<Socket>();
  let down = false;
  const track = (s: Socket) => {
    open.add(s);
    s.on('close', () => open.delete(s));
    // A reset socket reports ECONNRESET here; its peer sees it through its own socket.
    s.on('error', () => undefined);
  };
  const server = createServer((client) => {
    track(client);
    if (down) return void client.resetAndDestroy();
    const upstream = connect(target.port, target.host);
    track(upstream);
    client.pipe(upstream).pipe(client);
    // One side gone: the other is reset too, as a lost network would leave it.
    client.on('close', () => upstream.destroyed || upstream.resetAndDestroy());
    upstream.on('close', () => client.destroyed || client.resetAndDestroy());
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  return {
    address: `127.0.0.1:${port}`,
    cut() {
      down = true;
      for (const s of open) s.resetAndDestroy();
    },
    restore() {
      down = false;
    },
    async close() {
      for (const s of open) s.destroy();
      server.close();
      await once(server, 'close');
    },
  };
}
