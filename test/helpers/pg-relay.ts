import { once } from 'node:events';
import { connect, createServer, type Socket } from 'node:net';

// A TCP relay between one client (a pool, a process) and PostgreSQL, to make the database fail in
// the ways a network and a restart do, for that client alone:
// - cut(): every connection drops and new ones are refused, as during a restart; restore() ends it;
// - armOnCommit(): the next COMMIT the client sends goes through (PostgreSQL commits), but nothing
//   PostgreSQL answers after it reaches the client, which then holds a committed change it cannot
//   know about: a process killed there was "killed while its booking commits".

export interface PgRelay {
  port: number;
  /** A connection string to the database `name` through the relay. */
  url(name: string): string;
  /** Drops every connection and refuses new ones until restore(). */
  cut(): void;
  restore(): void;
  /**
   * On the next connection that sends `marker` (e.g. a write to a table), holds PostgreSQL's answers
   * from the COMMIT that follows it (in the same message or a later one); resolves once that COMMIT
   * was passed on.
   */
  armOnCommit(marker: RegExp): Promise<void>;
  close(): Promise<void>;
}

/** A COMMIT statement (not READ COMMITTED). */
const COMMIT = /\bCOMMIT\b/;

export async function startPgRelay(target: { host: string; port: number }): Promise<PgRelay> {
  let cut = false;
  let armed: { marker: RegExp; sent: () => void } | null = null;
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    if (cut) return void client.destroy();
    const upstream = connect(target.port, target.host);
    sockets.add(client).add(upstream);
    let frozen = false;
    let marked: (() => void) | null = null;
    client.on('data', (chunk: Buffer) => {
      upstream.write(chunk);
      const text = armed || marked ? chunk.toString('latin1') : '';
      if (armed && armed.marker.test(text)) {
        marked = armed.sent;
        armed = null;
      }
      if (marked && COMMIT.test(text)) {
        frozen = true;
        marked();
        marked = null;
      }
    });
    upstream.on('data', (chunk: Buffer) => {
      if (!frozen) client.write(chunk);
    });
    const end = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('close', end).on('error', end);
    upstream.on('close', end).on('error', end);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as { port: number }).port;
  return {
    port,
    url: (name) => `postgresql://postgres@127.0.0.1:${port}/${name}`,
    cut() {
      cut = true;
      for (const s of sockets) s.destroy();
    },
    restore: () => void (cut = false),
    armOnCommit: (marker) => new Promise<void>((resolve) => (armed = { marker, sent: resolve })),
    async close() {
      for (const s of sockets) s.destroy();
      server.close();
      await once(server, 'close');
    },
  };
}
