import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EventEmitter } from 'node:events';

// A local stand-in for the Slack Web API, so the tests run offline: the real WebClient and
// Bolt talk to it over HTTP on 127.0.0.1. It answers the methods the adapter calls with realistic
// minimal bodies, records every call (and every response_url post) for assertions, and injects
// faults: a 429 with Retry-After, an HTTP 500, or a Slack error like `channel_not_found`.

export interface SlackCall {
  method: string;
  args: Record<string, unknown>;
  token: string | undefined;
  /** What the fake answered (ok bodies only). */
  answer?: Record<string, unknown>;
}

export type SlackFault = { status: 429; retryAfterSeconds: number } | { status: 500 | 503 } | { error: string };

export interface FakeSlackUser {
  id: string;
  tz: string;
  name?: string;
}

export class FakeSlack {
  readonly calls: SlackCall[] = [];
  /** Posts to response_url, by the id in its path. */
  readonly responses: { id: string; body: Record<string, unknown> }[] = [];
  readonly teamId: string;
  readonly botUserId = 'UBOT000001';
  readonly botId = 'BBOT000001';
  private readonly users = new Map<string, FakeSlackUser>();
  private readonly faults = new Map<string, SlackFault[]>();
  private readonly standingFaults: { method: string; match: (args: Record<string, unknown>) => boolean; fault: SlackFault }[] = [];
  private readonly events = new EventEmitter();
  private server?: Server;
  private port = 0;
  private seq = 0;
  /** Messages by channel, then ts: what chat.update may edit. */
  private readonly messages = new Map<string, Map<string, Record<string, unknown>>>();

  constructor(options: { teamId?: string } = {}) {
    this.teamId = options.teamId ?? 'T0000TEST';
    this.events.setMaxListeners(0);
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.route(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.server?.closeAllConnections();
  }

  /** What to give WebClient as `slackApiUrl`. */
  get apiUrl(): string {
    return `http://127.0.0.1:${this.port}/api/`;
  }

  /** A response_url a signed command or action can carry. */
  responseUrl(id = `r${++this.seq}`): string {
    return `http://127.0.0.1:${this.port}/response/${id}`;
  }

  addUser(user: FakeSlackUser): void {
    this.users.set(user.id, user);
  }

  /** The next `count` calls of `method` fail with `fault`. */
  fail(method: string, fault: SlackFault, count = 1): void {
    const queue = this.faults.get(method) ?? [];
    for (let i = 0; i < count; i++) queue.push(fault);
    this.faults.set(method, queue);
  }

  /** Every call of `method` whose arguments match fails with `fault` (a Slack outage for some users, say). */
  failWhen(method: string, match: (args: Record<string, unknown>) => boolean, fault: SlackFault): void {
    this.standingFaults.push({ method, match, fault });
  }

  callsOf(method: string): SlackCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  /** Resolves with the first recorded call (past or future) of `method` that matches. */
  waitForCall(method: string, match: (call: SlackCall) => boolean = () => true): Promise<SlackCall> {
    const found = this.calls.find((c) => c.method === method && match(c));
    if (found) return Promise.resolve(found);
    return new Promise((resolve) => {
      const listener = (call: SlackCall) => {
        if (call.method !== method || !match(call)) return;
        this.events.off('call', listener);
        resolve(call);
      };
      this.events.on('call', listener);
    });
  }

  /** Resolves when `count` calls of `method` matching have been recorded. */
  async waitForCalls(method: string, count: number, match: (call: SlackCall) => boolean = () => true): Promise<SlackCall[]> {
    const matching = () => this.calls.filter((c) => c.method === method && match(c));
    while (matching().length < count) await new Promise((resolve) => this.events.once('call', resolve));
    return matching();
  }

  waitForResponse(match: (body: Record<string, unknown>) => boolean = () => true): Promise<Record<string, unknown>> {
    const found = this.responses.find((r) => match(r.body));
    if (found) return Promise.resolve(found.body);
    return new Promise((resolve) => {
      const listener = (body: Record<string, unknown>) => {
        if (!match(body)) return;
        this.events.off('response', listener);
        resolve(body);
      };
      this.events.on('response', listener);
    });
  }

  /** The current content of a message the bot posted (after any chat.update). */
  message(channel: string, ts: string): Record<string, unknown> | undefined {
    return this.messages.get(channel)?.get(ts);
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readBody(req);
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname.startsWith('/response/')) {
      const body = JSON.parse(raw || '{}') as Record<string, unknown>;
      this.responses.push({ id: url.pathname.slice('/response/'.length), body });
      this.events.emit('response', body);
      return send(res, 200, { ok: true });
    }
    const method = url.pathname.replace(/^\/api\//, '');
    const args = parseArgs(raw, req.headers['content-type']);
    const auth = req.headers.authorization;
    const token = auth?.startsWith('Bearer ') ? auth.slice(7) : typeof args.token === 'string' ? args.token : undefined;
    const fault = this.faults.get(method)?.shift() ?? this.standingFaults.find((f) => f.method === method && f.match(args))?.fault;
    const call: SlackCall = { method, args, token };
    this.calls.push(call);
    if (fault && 'status' in fault && fault.status === 429) {
      res.setHeader('Retry-After', String(fault.retryAfterSeconds));
      send(res, 429, { ok: false, error: 'ratelimited' });
    } else if (fault && 'status' in fault) {
      send(res, fault.status, { ok: false, error: 'internal_error' });
    } else if (fault && 'error' in fault) {
      send(res, 200, { ok: false, error: fault.error });
    } else {
      call.answer = this.answer(method, args);
      send(res, 200, call.answer);
    }
    this.events.emit('call', call);
  }

  private answer(method: string, args: Record<string, unknown>): Record<string, unknown> {
    const ts = () => `${1_700_000_000 + ++this.seq}.${String(this.seq).padStart(6, '0')}`;
    switch (method) {
      case 'auth.test':
        return { ok: true, url: 'https://test.slack.com/', team: 'Test', user: 'coachbot', team_id: this.teamId, user_id: this.botUserId, bot_id: this.botId };
      case 'users.info': {
        const user = this.users.get(String(args.user));
        if (!user) return { ok: false, error: 'user_not_found' };
        return { ok: true, user: { id: user.id, team_id: this.teamId, name: user.name ?? user.id, real_name: user.name ?? user.id, tz: user.tz, tz_offset: 0, is_bot: false } };
      }
      case 'conversations.open': {
        const users = String(args.users ?? '').split(',').filter(Boolean).sort();
        if (users.length === 0) return { ok: false, error: 'users_list_not_supplied' };
        const unknown = users.find((u) => !this.users.has(u));
        if (unknown) return { ok: false, error: 'user_not_found' };
        // A DM is D + the user; several users make a group DM (mpim), stable per set.
        const id = users.length === 1 ? `D${users[0]}` : `G${users.join('').slice(0, 20)}`;
        return { ok: true, channel: { id, is_im: users.length === 1, is_mpim: users.length > 1 } };
      }
      case 'chat.postMessage': {
        const channel = String(args.channel);
        const at = ts();
        const message = { text: args.text, blocks: args.blocks, ts: at };
        if (!this.messages.has(channel)) this.messages.set(channel, new Map());
        this.messages.get(channel)!.set(at, message);
        return { ok: true, channel, ts: at, message: { type: 'message', bot_id: this.botId, ...message } };
      }
      case 'chat.update': {
        const channel = String(args.channel);
        const existing = this.messages.get(channel)?.get(String(args.ts));
        if (!existing) return { ok: false, error: 'message_not_found' };
        Object.assign(existing, { text: args.text, blocks: args.blocks });
        return { ok: true, channel, ts: args.ts, text: args.text };
      }
      case 'chat.postEphemeral':
        return { ok: true, message_ts: ts() };
      case 'views.open':
      case 'views.update':
      case 'views.publish':
        return { ok: true, view: { id: `V${++this.seq}`, ...(args.view as object) } };
      case 'oauth.v2.access':
        return {
          ok: true,
          app_id: 'A0000TEST',
          authed_user: { id: 'UINSTALLER' },
          scope: 'commands,chat:write',
          token_type: 'bot',
          access_token: `xoxb-installed-${String(args.code)}`,
          bot_user_id: this.botUserId,
          team: { id: this.teamId, name: 'Test' },
          enterprise: null,
          is_enterprise_install: false,
        };
      default:
        return { ok: false, error: 'unknown_method' };
    }
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** WebClient sends form-encoded bodies with objects (blocks, view) as JSON strings. */
function parseArgs(raw: string, contentType: string | undefined): Record<string, unknown> {
  if (contentType?.includes('application/json')) return JSON.parse(raw || '{}') as Record<string, unknown>;
  const args: Record<string, unknown> = {};
  for (const [key, value] of new URLSearchParams(raw)) {
    args[key] = /^[[{]/.test(value) ? safeJson(value) : value;
  }
  return args;
}

function safeJson(value: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}
