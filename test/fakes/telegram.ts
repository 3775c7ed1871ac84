import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

// A local stand-in for the Telegram Bot API (`<root>/bot<token>/<method>`), driven through the real
// Telegraf client: answers the methods the adapter calls with minimal realistic bodies, records
// every call, serves queued updates to long polling, and injects faults (429 with retry_after, 500,
// any Bot API error) on demand.

export interface RecordedCall {
  method: string;
  payload: Record<string, unknown>;
}

export interface Fault {
  status: number;
  description: string;
  retryAfter?: number;
}

export interface SentMessage {
  chatId: string;
  messageId: number;
  text: string;
  replyMarkup?: unknown;
}

export interface FakeTelegram {
  apiRoot: string;
  token: string;
  botId: number;
  calls: RecordedCall[];
  /** The messages as they stand now in each chat (after edits). */
  messages: Map<string, SentMessage>;
  callsOf(method: string): RecordedCall[];
  /** The next calls of `method` fail with `fault`, `times` times (default once). */
  failNext(method: string, fault: Fault, times?: number): void;
  /** Resolves when `method` has been called `count` times in all. */
  waitFor(method: string, count?: number): Promise<RecordedCall[]>;
  /** Resolves once `ready` holds; asked again after every answered call. */
  until(ready: () => boolean): Promise<void>;
  /** The next calls of `method` are never answered (a Telegram that hangs), `times` times (default once). */
  stallNext(method: string, times?: number): void;
  /** Chats whose user blocked the bot: sending there answers 403 as Telegram does. */
  blockedChats: Set<string>;
  /** Queues an update for getUpdates (long polling). */
  pushUpdate(update: Record<string, unknown>): void;
  close(): Promise<void>;
}

export const FAKE_TOKEN = '123456789:TEST-token_for_the_fake_bot_api';

export async function startFakeTelegram(token = FAKE_TOKEN): Promise<FakeTelegram> {
  const botId = Number(token.split(':')[0]);
  const calls: RecordedCall[] = [];
  const messages = new Map<string, SentMessage>();
  const faults = new Map<string, Fault[]>();
  const waiters: { method: string; count: number; resolve: () => void }[] = [];
  const conditions = new Set<() => void>();
  const updates: Record<string, unknown>[] = [];
  const pollers: (() => void)[] = [];
  const blockedChats = new Set<string>();
  const stalls = new Map<string, number>();
  let nextMessageId = 1;
  let nextUpdateOffset = 0;

  const key = (chatId: unknown, messageId: unknown) => `${String(chatId)}/${String(messageId)}`;
  const callsOf = (method: string) => calls.filter((c) => c.method === method);

  function notify(): void {
    for (const w of [...waiters]) {
      if (callsOf(w.method).length >= w.count) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    }
  }

  function send(res: ServerResponse, status: number, body: unknown): void {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
    for (const check of [...conditions]) check();
  }

  function ok(res: ServerResponse, result: unknown): void {
    send(res, 200, { ok: true, result });
  }

  function fail(res: ServerResponse, code: number, description: string, parameters?: unknown): void {
    send(res, code, { ok: false, error_code: code, description, ...(parameters ? { parameters } : {}) });
  }

  const chatOf = (chatId: unknown) => ({ id: Number(chatId), type: 'private', first_name: 'Test' });

  /** What Telegram refuses in a message: the limits the adapter's renderer must keep. */
  function refusalOf(payload: Record<string, unknown>): string | undefined {
    const text = String(payload.text ?? '');
    if (!text.trim()) return 'Bad Request: message text is empty';
    if (text.length > 4096) return 'Bad Request: message is too long';
    const rows = (payload.reply_markup as { inline_keyboard?: { callback_data?: string }[][] } | undefined)?.inline_keyboard ?? [];
    for (const button of rows.flat()) {
      const bytes = Buffer.byteLength(button.callback_data ?? '');
      if (bytes < 1 || bytes > 64) return 'Bad Request: BUTTON_DATA_INVALID';
    }
    return undefined;
  }

  function answer(method: string, payload: Record<string, unknown>, res: ServerResponse): void {
    if (method === 'sendMessage' || method === 'editMessageText') {
      const refusal = refusalOf(payload);
      if (refusal) return fail(res, 400, refusal);
    }
    switch (method) {
      case 'getMe':
        return ok(res, { id: botId, is_bot: true, first_name: 'Coachbot', username: 'coachbot_test_bot', can_join_groups: false });
      case 'sendMessage': {
        if (blockedChats.has(String(payload.chat_id))) return fail(res, 403, 'Forbidden: bot was blocked by the user');
        const message: SentMessage = {
          chatId: String(payload.chat_id),
          messageId: nextMessageId++,
          text: String(payload.text),
          replyMarkup: payload.reply_markup,
        };
        messages.set(key(message.chatId, message.messageId), message);
        return ok(res, { message_id: message.messageId, date: Math.floor(Date.now() / 1000), chat: chatOf(payload.chat_id), text: message.text });
      }
      case 'editMessageText':
      case 'editMessageReplyMarkup': {
        const k = key(payload.chat_id, payload.message_id);
        const message = messages.get(k);
        if (!message) return fail(res, 400, 'Bad Request: message to edit not found');
        const next = method === 'editMessageText'
          ? { ...message, text: String(payload.text), replyMarkup: payload.reply_markup }
          : { ...message, replyMarkup: payload.reply_markup };
        if (JSON.stringify(next) === JSON.stringify(message)) {
          return fail(res, 400, 'Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message');
        }
        messages.set(k, next);
        return ok(res, { message_id: message.messageId, date: Math.floor(Date.now() / 1000), chat: chatOf(payload.chat_id), text: next.text });
      }
      case 'answerCallbackQuery':
      case 'setMyCommands':
      case 'deleteMyCommands':
      case 'setWebhook':
      case 'deleteWebhook':
        return ok(res, true);
      case 'getWebhookInfo':
        return ok(res, { url: '', has_custom_certificate: false, pending_update_count: 0 });
      case 'getUpdates': {
        const offset = Number(payload.offset ?? 0);
        if (offset > nextUpdateOffset) {
          nextUpdateOffset = offset;
          while (updates.length && Number(updates[0]!.update_id) < offset) updates.shift();
        }
        if (updates.length || !Number(payload.timeout)) return ok(res, updates.splice(0));
        // Long polling: hold the request until an update arrives or the client gives up.
        const wake = () => ok(res, updates.splice(0));
        pollers.push(wake);
        res.on('close', () => {
          const i = pollers.indexOf(wake);
          if (i >= 0) pollers.splice(i, 1);
        });
        return;
      }
      default:
        return fail(res, 404, `Not Found: method ${method} is not faked`);
    }
  }

  async function readBody(req: IncomingMessage): Promise<Record<string, unknown>> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    if (!raw) return {};
    if (String(req.headers['content-type']).startsWith('application/json')) return JSON.parse(raw) as Record<string, unknown>;
    return Object.fromEntries(new URLSearchParams(raw));
  }

  const server: Server = createServer((req, res) => {
    void (async () => {
      const match = /^\/bot([^/]+)\/(\w+)$/.exec(req.url ?? '');
      const payload = await readBody(req);
      if (!match) return fail(res, 404, 'Not Found');
      if (match[1] !== token) return fail(res, 401, 'Unauthorized');
      const method = match[2]!;
      calls.push({ method, payload });
      notify();
      const stalled = stalls.get(method) ?? 0;
      // Never answered: the connection stays open until the client gives up or the fake closes.
      if (stalled > 0) return void stalls.set(method, stalled - 1);
      const queued = faults.get(method);
      const fault = queued?.shift();
      if (fault) {
        if (fault.status >= 500) {
          res.writeHead(fault.status, { 'content-type': 'text/plain' });
          return res.end(fault.description);
        }
        return fail(res, fault.status, fault.description, fault.retryAfter === undefined ? undefined : { retry_after: fault.retryAfter });
      }
      answer(method, payload, res);
    })().catch((error: unknown) => fail(res, 500, String(error)));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;

  return {
    apiRoot: `http://127.0.0.1:${port}`,
    token,
    botId,
    calls,
    messages,
    blockedChats,
    callsOf,
    failNext(method, fault, times = 1) {
      faults.set(method, [...(faults.get(method) ?? []), ...Array.from({ length: times }, () => fault)]);
    },
    stallNext(method, times = 1) {
      stalls.set(method, (stalls.get(method) ?? 0) + times);
    },
    waitFor(method, count = 1) {
      return new Promise<RecordedCall[]>((resolve) => {
        waiters.push({ method, count, resolve: () => resolve(callsOf(method)) });
        notify();
      });
    },
    until(ready) {
      if (ready()) return Promise.resolve();
      return new Promise<void>((resolve) => {
        const check = () => {
          if (!ready()) return;
          conditions.delete(check);
          resolve();
        };
        conditions.add(check);
      });
    },
    pushUpdate(update) {
      updates.push(update);
      for (const wake of pollers.splice(0)) wake();
    },
    async close() {
      if (!server.listening) return;
      for (const wake of pollers.splice(0)) wake();
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}
