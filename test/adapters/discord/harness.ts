import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import { InteractionResponseType, InteractionType } from 'discord-api-types/v10';
import { afterAll } from 'vitest';
import { createDiscordAdapter, type DiscordAdapter } from '../../../src/adapters/discord/index.ts';
import { createBot, type Bot, type ChatPort, type Platform } from '../../../src/bot/index.ts';
import { setupCore, type TestContext } from '../../helpers/core.ts';
import { testRedis } from '../../api/harness.ts';
import { FakeDiscord, type StoredMessage } from '../../fakes/discord.ts';

// The Discord adapter end to end: the real bot and core over this file's database, the adapter's
// HTTP interactions endpoint on a loopback port, and the fake Discord answering its REST calls.
// Interactions are signed with the fake application's Ed25519 key, exactly as Discord signs them.

export interface DiscordHarness extends TestContext {
  fake: FakeDiscord;
  bot: Bot;
  adapter: DiscordAdapter;
  app: FastifyInstance;
  url: string;
  /** The bot's ports: a test may add another platform's, so one bot serves both (test/adapters/multiplatform.test.ts). */
  ports: Partial<Record<Platform, ChatPort>>;
}

const silent = { info() {}, warn() {}, error() {} };

/** The adapter's settings for the fake application: HTTP interactions, REST on the fake, keys of a test's own. */
export function fakeDiscordSettings(fake: FakeDiscord, answerBudgetMs = 2500) {
  return {
    applicationId: fake.applicationId,
    botToken: 'fake-bot-token',
    publicKey: fake.keys.publicKeyHex,
    mode: 'http' as const,
    apiBase: fake.apiBase,
    answerBudgetMs,
    keyPrefix: `test:${process.pid}:${randomUUID()}:discord:`,
    restRetries: 0,
  };
}

export async function setupDiscord(options: { answerBudgetMs?: number } = {}): Promise<DiscordHarness> {
  const ctx = await setupCore();
  const fake = await new FakeDiscord().start();
  const redis = testRedis();
  const ports: Partial<Record<Platform, ChatPort>> = {};
  const bot = createBot({ core: ctx.core, clock: ctx.clock, actionSecret: 'discord-test-secret', ports });
  const adapter = createDiscordAdapter({
    settings: fakeDiscordSettings(fake, options.answerBudgetMs),
    bot,
    redis,
    logger: silent,
    commands: [{ name: 'book', description: 'Book a session' }],
  });
  ports.discord = adapter.port;
  const app = Fastify();
  await adapter.start(app);
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  afterAll(async () => {
    await app.close();
    await adapter.stop();
    await fake.stop();
    redis.disconnect();
  });
  return { ...ctx, fake, bot, adapter, app, url, ports };
}

export interface Shown {
  content: string;
  components: { components: { type: number; label?: string; custom_id: string; options?: { label: string; value: string }[] }[] }[];
  id?: string;
  channelId?: string;
}

let nextInteraction = 700000000000000000n;

/** Someone using Discord: sends signed interactions and keeps what the last answer showed them. */
export class DiscordUser {
  last?: Shown;
  modal?: { custom_id: string; components: { components: { custom_id: string }[] }[] };
  lastNotice?: string;
  constructor(
    readonly h: DiscordHarness,
    readonly userId: string,
    readonly where: { guildId?: string; channelId: string } = { channelId: `5${userId.slice(1)}` },
  ) {}

  interaction(type: InteractionType, data: object, message?: Shown, id = String(++nextInteraction)) {
    return {
      id,
      application_id: this.h.fake.applicationId,
      type,
      token: `tok-${id}`,
      channel_id: message?.channelId ?? this.where.channelId,
      ...(this.where.guildId ? { guild_id: this.where.guildId, member: { user: { id: this.userId, username: `u${this.userId}` } } } : { user: { id: this.userId, username: `u${this.userId}` } }),
      ...(message?.id ? { message: { id: message.id, channel_id: message.channelId ?? this.where.channelId } } : {}),
      data,
    };
  }

  /** POSTs a signed interaction; returns the HTTP status and the initial response. */
  async post(payload: object, sign = this.h.fake.sign(payload)): Promise<{ status: number; body: { type: number; data?: Record<string, unknown> } }> {
    const response = await fetch(`${this.h.url}/discord/interactions`, { method: 'POST', headers: sign.headers, body: sign.body });
    return { status: response.status, body: (await response.json()) as { type: number; data?: Record<string, unknown> } };
  }

  /** Sends an interaction and records what the user ends up seeing, initial answer and follow-ups alike. */
  async send(payload: ReturnType<DiscordUser['interaction']>, message?: Shown) {
    const from = this.h.fake.calls.length;
    const { status, body } = await this.post(payload);
    if (status !== 200) throw new Error(`interaction answered ${status}`);
    // A new message as the initial response: Discord keeps it in the channel (see FakeDiscord.answered).
    if (body.type === InteractionResponseType.ChannelMessageWithSource) this.h.fake.answered(payload.token, payload.channel_id, body.data);
    await this.h.adapter.idle();
    this.modal = undefined;
    this.lastNotice = undefined;
    this.see(body.type, body.data, message);
    for (const call of this.h.fake.calls.slice(from)) {
      if (!call.path.includes(payload.token)) continue;
      const data = call.body as Record<string, unknown>;
      this.see(call.method === 'PATCH' ? InteractionResponseType.UpdateMessage : InteractionResponseType.ChannelMessageWithSource, data, message);
    }
    return body;
  }

  private see(type: number, data: Record<string, unknown> | undefined, message?: Shown) {
    if (type === InteractionResponseType.Modal) this.modal = data as never;
    if ((type !== InteractionResponseType.ChannelMessageWithSource && type !== InteractionResponseType.UpdateMessage) || !data) return;
    const components = (data.components ?? []) as Shown['components'];
    // In a DM only notices are ephemeral: they answer a click without replacing the screen.
    if (data.flags === 64 && components.length === 0) {
      this.lastNotice = String(data.content ?? '');
      return;
    }
    const updated = type === InteractionResponseType.UpdateMessage && message;
    this.last = {
      content: String(data.content ?? ''),
      components,
      ...(updated ? { id: message.id, channelId: message.channelId } : { id: String(++nextInteraction), channelId: this.where.channelId }),
    };
  }

  command(name: string, text?: string) {
    return this.send(this.interaction(InteractionType.ApplicationCommand, { name, type: 1, ...(text ? { options: [{ name: 'text', type: 3, value: text }] } : {}) }));
  }

  /** The custom id (or select option value) labelled `label` on a shown message. */
  action(label: string | RegExp, on: Shown | undefined = this.last): string {
    for (const row of on?.components ?? []) {
      for (const c of row.components) {
        const options = c.options ?? [{ label: c.label ?? '', value: c.custom_id }];
        const found = options.find((o) => (typeof label === 'string' ? o.label.includes(label) : label.test(o.label)));
        if (found) return found.value;
      }
    }
    throw new Error(`no "${String(label)}" in: ${on?.content} ${JSON.stringify(on?.components)}`);
  }

  click(label: string | RegExp, on: Shown | undefined = this.last) {
    const action = this.action(label, on);
    return this.send(this.interaction(InteractionType.MessageComponent, { custom_id: action, component_type: 2 }, on), on);
  }

  /** Clicks a button that opens a form: the form opens at once, whatever the answer budget. */
  async clickForForm(label: string | RegExp, on: Shown | undefined = this.last) {
    await this.click(label, on);
    if (!this.modal) throw new Error(`no form opened by "${String(label)}": ${this.lastNotice ?? ''}`);
    return this.modal;
  }

  submit(values: Record<string, string>) {
    if (!this.modal) throw new Error('no modal open');
    const components = Object.entries(values).map(([custom_id, value]) => ({ type: 1, components: [{ type: 4, custom_id, value }] }));
    return this.send(this.interaction(InteractionType.ModalSubmit, { custom_id: this.modal.custom_id, components }, this.last), this.last);
  }
}

export function dmMessages(fake: FakeDiscord, channelId: string): StoredMessage[] {
  return [...fake.messages.values()].filter((m) => m.channel_id === channelId);
}
