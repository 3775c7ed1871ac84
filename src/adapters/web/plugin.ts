import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import type { Bot, ChatUser, Effect, Inbound, MessageRef } from '../../bot/index.ts';
import { NotFoundError, ValidationError, type Core } from '../../core/index.ts';
import { PlaygroundEvents } from './events.ts';
import { playgroundPage } from './page.ts';
import { renderView } from './render.ts';
import type { PlaygroundStore, PlaygroundEvent, StoredMessage } from './store.ts';

// The web playground (docs/design.md §6): act as any seeded user or a new visitor, type commands,
// click buttons, fill forms, and watch messages change in place (server-sent events). It is a
// development tool without credentials: the composition root registers it only where serving.ts says
// so. Its refusals are core's errors, answered by the server's error handler in the API's error format.

export interface PlaygroundOptions {
  bot: Bot;
  core: Core;
  store: PlaygroundStore;
  redis: Redis;
}

const SCOPE = 'local';
const VISITOR = { name: 'New visitor', role: 'Guest' } as const;
const chatId = z.string().regex(/^[ug]-[A-Za-z0-9-]{1,64}$/, { message: 'must be a playground chat id' });
const zone = z.string().max(64).optional();
// The page makes one per input; it becomes a database key (the bot's delivery claim), where a NUL
// or a lone surrogate is an error, so it is printable ASCII like every platform's delivery ids.
const deliveryId = z.string().regex(/^[\x21-\x7e]{1,100}$/, { message: 'must be 1 to 100 printable ASCII characters' });

const inputBody = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('say'), deliveryId, text: z.string().min(1).max(4000), timezone: zone }),
  z.object({ kind: z.literal('action'), deliveryId, action: z.string().min(1).max(100), messageId: z.string().max(100).optional(), timezone: zone }),
  z.object({ kind: z.literal('submit'), deliveryId, action: z.string().min(1).max(100), values: z.record(z.string(), z.string().max(5000)), timezone: zone }),
]);

type InputBody = z.infer<typeof inputBody>;

// No display name: a browser does not say who is typing, and a made-up one would prefill /signup's name.
function toInbound(chat: string, body: InputBody): Inbound {
  const user: ChatUser = { platform: 'web', scope: SCOPE, platformUserId: chat, ...(body.timezone ? { timezone: body.timezone } : {}) };
  const base = { user, deliveryId: body.deliveryId };
  if (body.kind === 'action') {
    return { ...base, type: 'action', action: body.action, ...(body.messageId ? { message: { platform: 'web', channelId: chat, messageId: body.messageId } } : {}) };
  }
  if (body.kind === 'submit') return { ...base, type: 'submit', action: body.action, values: body.values };
  const typed = body.text.trim();
  const command = /^\/(\S+)\s*([\s\S]*)$/.exec(typed);
  return command ? { ...base, type: 'command', name: command[1]!, args: command[2] ?? '' } : { ...base, type: 'text', text: typed };
}

/** The first issue of a failed parse as a field error; `field` names the value when the issue has no path. */
function invalid(error: z.ZodError, field: string): ValidationError {
  const issue = error.issues[0]!;
  return ValidationError.field(issue.path.join('.') || field, issue.message);
}

function chatIdOf(params: unknown): string {
  const chat = chatId.safeParse((params as { chatId: string }).chatId);
  if (!chat.success) throw invalid(chat.error, 'chatId');
  return chat.data;
}

const asJson = (m: StoredMessage) => ({ id: m.id, version: m.version, summary: m.view.summary, html: renderView(m.view) });

export function playgroundPlugin(o: PlaygroundOptions): FastifyPluginAsync {
  return async (app: FastifyInstance) => {
    const events = new PlaygroundEvents(o.redis);
    const streams = new Set<() => void>();
    // Open event streams would hold the server open: end them before it closes.
    app.addHook('preClose', async () => {
      for (const end of [...streams]) end();
    });
    app.addHook('onClose', async () => events.close());
    // A tool for this machine, not part of the API: none of its routes is in /openapi.json.
    app.addHook('onRoute', (route) => {
      route.schema = { ...route.schema, hide: true };
    });

    app.get('/playground', async (_req, reply) => reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(playgroundPage()));

    app.get('/playground/api/users', async () => o.core.chat.localDirectory());

    app.post('/playground/api/chats', async (req) => {
      const body = z.object({ userId: z.uuid({ message: 'must be a user id' }).optional() }).safeParse(req.body ?? {});
      if (!body.success) throw invalid(body.error, 'body');
      if (!body.data.userId) return { chatId: `g-${randomUUID()}`, ...VISITOR };
      const users = await o.core.chat.localDirectory();
      const user = users.find((u) => u.id === body.data.userId);
      if (!user) throw new NotFoundError('User', body.data.userId);
      const chat = `u-${user.id}`;
      await o.core.chat.ensureLink(user.id, { platform: 'web', scope: SCOPE, platformUserId: chat });
      return { chatId: chat, name: user.name, role: user.role };
    });

    // Who a chat is now: after /signup, a visitor's chat is the new member's.
    app.get('/playground/api/chats/:chatId', async (req) => {
      const chat = chatIdOf(req.params);
      const account = await o.core.chat.account({ platform: 'web', scope: SCOPE, platformUserId: chat });
      return account?.isActive ? { chatId: chat, userId: account.userId, name: account.name, role: account.role } : { chatId: chat, ...VISITOR };
    });

    app.get('/playground/api/chats/:chatId/messages', async (req) => (await o.store.list(chatIdOf(req.params))).map(asJson));

    app.post('/playground/api/chats/:chatId/inputs', async (req) => {
      const chat = chatIdOf(req.params);
      const body = inputBody.safeParse(req.body);
      if (!body.success) throw invalid(body.error, 'body');
      const inbound = toInbound(chat, body.data);
      const effects = await o.bot.handle(inbound);
      return applyEffects(o.store, chat, body.data, effects, (effect, ref) => o.bot.sent(inbound, effect, ref));
    });

    app.get('/playground/api/chats/:chatId/events', async (req, reply) => {
      const chat = chatIdOf(req.params);
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
      const stop = await events.listen(o.store.channel(chat), (payload) => {
        const event = JSON.parse(payload) as PlaygroundEvent;
        const data = event.type === 'message' ? { type: 'message', message: asJson(event.message) } : event;
        res.write(`data: ${JSON.stringify(data)}\n\n`);
      });
      res.write(': connected\n\n');
      // A comment now and then keeps proxies from closing an idle stream.
      const keepAlive = setInterval(() => res.write(': keep-alive\n\n'), 20_000);
      keepAlive.unref();
      const end = () => {
        if (!streams.delete(end)) return;
        clearInterval(keepAlive);
        void stop();
        res.end();
      };
      streams.add(end);
      req.raw.on('close', end);
    });
  };
}

/**
 * What the bot asked for, done to the playground's history; forms and notices go back to the page.
 * `sent` hears where each reply landed (Bot.sent).
 */
async function applyEffects(store: PlaygroundStore, chat: string, body: InputBody, effects: Effect[], sent: (effect: Effect, ref: MessageRef) => Promise<void>) {
  const answer: { form?: unknown; notices: string[] } = { notices: [] };
  for (const e of effects) {
    if (e.type === 'reply') await sent(e, await store.append(chat, e.view));
    else if (e.type === 'update') {
      const messageId = body.kind === 'action' ? body.messageId : undefined;
      if (!messageId || !(await store.replace({ platform: 'web', channelId: chat, messageId }, e.view))) await store.append(chat, e.view);
    } else if (e.type === 'form') answer.form = e.form;
    else answer.notices.push(e.text);
  }
  return answer;
}
