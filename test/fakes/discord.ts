import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

// A local fake of Discord: the REST routes the adapter calls (recorded, with injectable faults),
// a gateway WebSocket that drives the real discord.js Client (HELLO -> IDENTIFY -> READY ->
// INTERACTION_CREATE), and an Ed25519 key pair to sign HTTP interactions as Discord does.

export interface RecordedCall {
  method: string;
  path: string;
  body: unknown;
}

export interface StoredMessage {
  id: string;
  channel_id: string;
  content?: string;
  components?: unknown[];
  flags?: number;
}

interface Fault {
  method: string;
  path: RegExp;
  status: number;
  body: unknown;
  headers: Record<string, string>;
  times: number;
}

/** The status of a fault that is never answered. */
const STALL = 0;

type Waiter = { match: (call: RecordedCall) => boolean; resolve: (call: RecordedCall) => void };

export class FakeDiscord {
  readonly calls: RecordedCall[] = [];
  readonly messages = new Map<string, StoredMessage>();
  readonly applicationId = '100000000000000001';
  readonly botUserId = '100000000000000002';
  readonly keys: { publicKey: KeyObject; privateKey: KeyObject; publicKeyHex: string };
  #server: Server;
  #wss: WebSocketServer;
  #sockets = new Set<WebSocket>();
  #faults: Fault[] = [];
  #waiters: Waiter[] = [];
  #nextId = 200000000000000000n;
  #identified: Array<() => void> = [];
  /** Interactions' initial responses by token: Discord keeps one as a message in the interaction's channel. */
  #originals = new Map<string, StoredMessage>();
  #awaitingOriginal = new Map<string, Array<() => void>>();
  port = 0;

  constructor() {
    const { publicKey, privateKey } = generateKeyPairSync('ed25519');
    const raw = publicKey.export({ format: 'der', type: 'spki' }).subarray(-32);
    this.keys = { publicKey, privateKey, publicKeyHex: Buffer.from(raw).toString('hex') };
    this.#server = createServer((req, res) => void this.#handle(req, res));
    this.#wss = new WebSocketServer({ server: this.#server });
    this.#wss.on('connection', (socket) => this.#gateway(socket));
  }

  get apiBase(): string {
    return `http://127.0.0.1:${this.port}/api`;
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    this.port = (this.#server.address() as AddressInfo).port;
    return this;
  }

  async stop(): Promise<void> {
    for (const s of this.#sockets) s.terminate();
    await new Promise<void>((resolve) => this.#wss.close(() => resolve()));
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  /**
   * An interaction's initial response as the message Discord keeps in its channel (`@original`).
   * Over HTTP the response goes back in the reply body, which the fake never sees: the caller that
   * received it hands it over, and a GET of `@original` asked before then is answered once it has.
   */
  answered(token: string, channelId: string, data: Record<string, unknown> | undefined): StoredMessage {
    const message = this.#store(channelId, data);
    this.#originals.set(token, message);
    for (const resolve of this.#awaitingOriginal.get(token)?.splice(0) ?? []) resolve();
    return message;
  }

  #original(token: string): Promise<StoredMessage> {
    const found = this.#originals.get(token);
    if (found) return Promise.resolve(found);
    return new Promise((resolve) => {
      const waiting = this.#awaitingOriginal.get(token) ?? [];
      waiting.push(() => resolve(this.#originals.get(token)!));
      this.#awaitingOriginal.set(token, waiting);
    });
  }

  snowflake(): string {
    this.#nextId += 1n;
    return String(this.#nextId);
  }

  /** The next `times` calls to `method path` answer `status` with `body` (e.g. a 429). */
  fail(method: string, path: RegExp, status: number, body: unknown, times = 1, headers: Record<string, string> = {}): void {
    this.#faults.push({ method, path, status, body, headers, times });
  }

  /** The next `times` calls to `method path` are never answered (a Discord that hangs). */
  stall(method: string, path: RegExp, times = 1): void {
    this.#faults.push({ method, path, status: STALL, body: undefined, headers: {}, times });
  }

  /** Resolves with the first recorded call (past or future) that matches. */
  waitFor(method: string, path: RegExp, from = 0): Promise<RecordedCall> {
    const match = (c: RecordedCall) => c.method === method && path.test(c.path);
    const seen = this.calls.slice(from).find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve) => this.#waiters.push({ match, resolve }));
  }

  callsTo(method: string, path: RegExp): RecordedCall[] {
    return this.calls.filter((c) => c.method === method && path.test(c.path));
  }

  /** Headers and body of an HTTP interaction signed with the application's key. */
  sign(payload: unknown, timestamp = Math.floor(Date.now() / 1000)): { body: string; headers: Record<string, string> } {
    const body = JSON.stringify(payload);
    const signature = sign(null, Buffer.from(`${timestamp}${body}`), this.keys.privateKey).toString('hex');
    return { body, headers: { 'content-type': 'application/json', 'x-signature-ed25519': signature, 'x-signature-timestamp': String(timestamp) } };
  }

  /** Resolves once a gateway client has identified (the Client is then about to be ready). */
  identified(): Promise<void> {
    return new Promise((resolve) => this.#identified.push(resolve));
  }

  /** Sends an INTERACTION_CREATE dispatch to every connected gateway client. */
  dispatchInteraction(interaction: Record<string, unknown>): void {
    // The fields Discord always sends, which discord.js reads while building its own objects.
    const full = { version: 1, locale: 'en-US', app_permissions: '0', entitlements: [], authorizing_integration_owners: {}, context: 1, attachment_size_limit: 8388608, ...interaction };
    for (const socket of this.#sockets) socket.send(JSON.stringify({ op: 0, t: 'INTERACTION_CREATE', s: 2, d: full }));
  }

  #gateway(socket: WebSocket): void {
    this.#sockets.add(socket);
    socket.on('close', () => this.#sockets.delete(socket));
    socket.send(JSON.stringify({ op: 10, d: { heartbeat_interval: 45_000 } }));
    socket.on('message', (data) => {
      const packet = JSON.parse(String(data)) as { op: number };
      if (packet.op === 1) socket.send(JSON.stringify({ op: 11 }));
      if (packet.op === 2) {
        socket.send(
          JSON.stringify({
            op: 0,
            t: 'READY',
            s: 1,
            d: {
              v: 10,
              user: { id: this.botUserId, username: 'coachbot', discriminator: '0', bot: true, avatar: null, global_name: null },
              guilds: [],
              session_id: 'fake-session',
              resume_gateway_url: `ws://127.0.0.1:${this.port}`,
              application: { id: this.applicationId, flags: 0 },
            },
          }),
        );
        for (const resolve of this.#identified.splice(0)) resolve();
      }
    });
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const path = (req.url ?? '/').replace(/^\/api\/v10/, '').split('?')[0]!;
    const method = req.method ?? 'GET';
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = text;
    }
    const call = { method, path, body };
    this.calls.push(call);
    for (const w of this.#waiters.filter((w) => w.match(call))) {
      this.#waiters.splice(this.#waiters.indexOf(w), 1);
      w.resolve(call);
    }
    const fault = this.#faults.find((f) => f.method === method && f.path.test(path) && f.times > 0);
    // A stall: never answered, the connection held until the client gives up or the fake stops.
    if (fault?.status === STALL) {
      fault.times -= 1;
      return;
    }
    if (fault) {
      fault.times -= 1;
      return this.#send(res, fault.status, fault.body, fault.headers);
    }
    this.#route(method, path, body as Record<string, unknown> | undefined, res);
  }

  #route(method: string, path: string, body: Record<string, unknown> | undefined, res: ServerResponse): void {
    let m: RegExpMatchArray | null;
    if (method === 'GET' && path === '/gateway/bot') {
      return this.#send(res, 200, {
        url: `ws://127.0.0.1:${this.port}`,
        shards: 1,
        session_start_limit: { total: 1000, remaining: 1000, reset_after: 0, max_concurrency: 1 },
      });
    }
    if (method === 'POST' && /^\/interactions\/\d+\/[^/]+\/callback$/.test(path)) return this.#send(res, 204, undefined);
    if (method === 'PUT' && /^\/applications\/\d+(\/guilds\/\d+)?\/commands$/.test(path)) {
      return this.#send(res, 200, (Array.isArray(body) ? body : []).map((c: object) => ({ ...c, id: this.snowflake(), application_id: this.applicationId })));
    }
    if (method === 'POST' && path === '/users/@me/channels') {
      return this.#send(res, 200, { id: `9${String(body?.recipient_id ?? '').slice(1)}`, type: 1, recipients: [{ id: body?.recipient_id }] });
    }
    if (method === 'POST' && (m = path.match(/^\/channels\/(\d+)\/threads$/))) {
      return this.#send(res, 201, { id: this.snowflake(), type: body?.type, name: body?.name, parent_id: m[1] });
    }
    if (method === 'PUT' && /^\/channels\/\d+\/thread-members\/\d+$/.test(path)) return this.#send(res, 204, undefined);
    if (method === 'POST' && (m = path.match(/^\/channels\/(\d+)\/messages$/))) return this.#send(res, 200, this.#store(m[1]!, body));
    if (method === 'PATCH' && (m = path.match(/^\/channels\/(\d+)\/messages\/(\d+)$/))) {
      const existing = this.messages.get(m[2]!);
      if (!existing || existing.channel_id !== m[1]) return this.#send(res, 404, { code: 10008, message: 'Unknown Message' });
      return this.#send(res, 200, this.#store(m[1]!, body, m[2]));
    }
    if (method === 'POST' && (m = path.match(/^\/webhooks\/\d+\/([^/]+)$/))) return this.#send(res, 200, this.#store(`wh-${m[1]}`, body));
    // The SDK sends `@original` percent-encoded, as Discord accepts it.
    if (method === 'GET' && (m = path.match(/^\/webhooks\/\d+\/([^/]+)\/messages\/(?:@|%40)original$/))) {
      return void this.#original(m[1]!).then((message) => this.#send(res, 200, message));
    }
    if (method === 'PATCH' && (m = path.match(/^\/webhooks\/\d+\/([^/]+)\/messages\/(?:@|%40)original$/))) {
      return this.#send(res, 200, this.#store(`wh-${m[1]}`, body, `original-${m[1]}`));
    }
    this.#send(res, 404, { code: 0, message: `fake discord: no route ${method} ${path}` });
  }

  #store(channelId: string, body: Record<string, unknown> | undefined, id = this.snowflake()): StoredMessage {
    const message: StoredMessage = { ...(this.messages.get(id) ?? {}), ...(body ?? {}), id, channel_id: channelId };
    this.messages.set(id, message);
    return message;
  }

  #send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    res.writeHead(status, { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers });
    res.end(body === undefined ? undefined : JSON.stringify(body));
  }
}
