import { once } from 'node:events';
import { createServer, connect, type Socket } from 'node:net';
import { afterAll } from 'vitest';
import { createDb, type Db, type DbOptions } from '../../src/db/client.ts';

// A TCP proxy on a free loopback port in front of a server that others share (PostgreSQL), so that
// a test can make that server fail for one client only, as a network or a restart would:
// - `cut()` resets every connection through it and every new one, `restore()` lets connections
//   through again. The port stays bound throughout, so the client's URL keeps working once restored.
// - `armOnCommit(marker)`: on the next connection that sends `marker` (a write to some table), the
//   COMMIT that follows goes through (PostgreSQL commits) but nothing the server answers after it
//   reaches the client, which then holds a committed change it cannot know about: a process killed
//   there was "killed while its booking commits".

export interface TcpProxy {
  /** host:port to connect to instead of the target. */
  address: string;
  /** Resets every open connection and refuses new ones (each is reset as it arrives). */
  cut(): void;
  restore(): void;
  /** Resolves once the COMMIT after `marker` was passed on (see above). */
  armOnCommit(marker: RegExp): Promise<void>;
  close(): Promise<void>;
}

/** A COMMIT statement (not READ COMMITTED). */
const COMMIT = /\bCOMMIT\b/;

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const open = new Set<Socket>();
  let down = false;
  let armed: { marker: RegExp; sent: () => void } | null = null;
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
    let marked: (() => void) | null = null;
    let frozen = false;
    client.on('data', (chunk: Buffer) => {
      upstream.write(chunk);
      const text = armed || marked ? chunk.toString('latin1') : '';
      if (armed?.marker.test(text)) {
        marked = armed.sent;
        armed = null;
      }
      if (marked && COMMIT.test(text)) {
        frozen = true;
        marked();
        marked = null;
      }
    });
    upstream.on('data', (chunk: Buffer) => void (frozen || client.write(chunk)));
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
    armOnCommit: (marker) => new Promise<void>((resolve) => (armed = { marker, sent: resolve })),
    async close() {
      for (const s of open) s.destroy();
      server.close();
      await once(server, 'close');
    },
  };
}

/** A client of `databaseUrl`'s database whose connections all go through a proxy of its own; both closed after the file. */
export async function proxiedDb(databaseUrl: string, options: DbOptions = { max: 2 }): Promise<{ db: Db; proxy: TcpProxy }> {
  const url = new URL(databaseUrl);
  const proxy = await startTcpProxy({ host: url.hostname, port: Number(url.port || 5432) });
  url.host = proxy.address;
  const db = createDb(url.toString(), options);
  afterAll(async () => {
    await db.$disconnect();
    await proxy.close();
  });
  return { db, proxy };
}
