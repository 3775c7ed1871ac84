import { once } from 'node:events';
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

// A door in front of the fake Bot API, one per worker process: each worker's Telegram client talks
// to its own door, so the run knows which process sent what. A closed door holds the requests that
// arrive (they have not reached Telegram); a held request whose sender dies is dropped, as a
// request lost on the network would be. Opening the door lets the held ones through.

export interface Gate {
  /** The Bot API root to give the worker (TELEGRAM_API_ROOT). */
  apiRoot: string;
  /** sendMessage calls that went through and were answered 2xx. */
  delivered: number;
  /** Those calls per chat id. */
  sentTo: Map<string, number>;
  /** Requests dropped because their sender went away while they were held. */
  dropped: number;
  close(): void;
  open(): void;
  /** Resolves once at least `count` requests are held behind the closed door. */
  held(count?: number): Promise<void>;
  /** Resolves once no request is in flight through the door (held or forwarded). */
  drained(): Promise<void>;
  shutdown(): Promise<void>;
}

export async function startGate(target: string): Promise<Gate> {
  const upstream = new URL(target);
  let closed = false;
  const holding: { release(): void; gone: boolean }[] = [];
  let inFlight = 0;
  const watchers = new Set<() => void>();
  const changed = () => {
    for (const w of [...watchers]) w();
  };
  function until(ready: () => boolean): Promise<void> {
    if (ready()) return Promise.resolve();
    return new Promise((resolve) => {
      const check = () => {
        if (!ready()) return;
        watchers.delete(check);
        resolve();
      };
      watchers.add(check);
    });
  }

  const gate: Gate = {
    apiRoot: '',
    delivered: 0,
    sentTo: new Map(),
    dropped: 0,
    close: () => void (closed = true),
    open() {
      closed = false;
      for (const h of holding.splice(0)) h.release();
      changed();
    },
    held: (count = 1) => until(() => holding.filter((h) => !h.gone).length >= count),
    drained: () => until(() => inFlight === 0),
    shutdown: async () => {
      gate.open();
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };

  async function forward(req: IncomingMessage, body: Buffer, res: ServerResponse): Promise<void> {
    const upstreamRes = await new Promise<IncomingMessage>((resolve, reject) => {
      const out = httpRequest(
        { host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers: req.headers },
        resolve,
      );
      out.on('error', reject);
      out.end(body);
    });
    const chunks: Buffer[] = [];
    for await (const chunk of upstreamRes) chunks.push(chunk as Buffer);
    if (req.url?.endsWith('/sendMessage') && (upstreamRes.statusCode ?? 500) < 300) {
      gate.delivered++;
      const chat = chatOf(body, String(req.headers['content-type']));
      gate.sentTo.set(chat, (gate.sentTo.get(chat) ?? 0) + 1);
    }
    res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers);
    res.end(Buffer.concat(chunks));
  }

  const server = createServer((req, res) => {
    inFlight++;
    changed();
    void (async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const body = Buffer.concat(chunks);
      if (closed) {
        const hold = { gone: false, release: () => {} };
        const released = new Promise<void>((resolve) => (hold.release = resolve));
        res.on('close', () => {
          if (res.writableFinished) return;
          hold.gone = true;
        });
        holding.push(hold);
        changed();
        await released;
        if (hold.gone) {
          gate.dropped++;
          return;
        }
      }
      await forward(req, body, res);
    })()
      .catch(() => res.destroy())
      .finally(() => {
        inFlight--;
        changed();
      });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  gate.apiRoot = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return gate;
}

function chatOf(body: Buffer, contentType: string): string {
  const text = body.toString('utf8');
  const fields = contentType.startsWith('application/json') ? (JSON.parse(text) as Record<string, unknown>) : Object.fromEntries(new URLSearchParams(text));
  return String(fields.chat_id);
}
