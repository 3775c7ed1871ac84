import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import { createBot, type Bot } from '../../src/bot/index.ts';
import type { ChatPort, ChatUser, Effect, Inbound, MessageRef, Platform, Recipient, View } from '../../src/bot/index.ts';
import { checkView } from '../../src/bot/index.ts';
import type { CoreTelemetry } from '../../src/core/index.ts';
import { setupCore, type TestContext } from '../helpers/core.ts';
import { actorOf, makeCoach, makeMember, type UserOverrides } from '../helpers/factories.ts';

// Drives the bot the way an adapter does: inbound events in, effects out. The chat platform is
// faked at its edge only: a ChatPort that keeps the messages it was asked to send or edit.

/** An inbound event as a test writes it: the user is the chatter's, the delivery id fresh unless given. */
export type InboundInput = Inbound extends infer I ? (I extends Inbound ? Omit<I, 'user' | 'deliveryId'> & { deliveryId?: string } : never) : never;

export class RecordingPort implements ChatPort {
  readonly messages = new Map<string, View>();
  readonly edits: { message: MessageRef; view: View }[] = [];
  /** Every new message sent (the jobs' notices), by recipient, in order. */
  readonly sent: { to: string; view: View }[] = [];
  constructor(readonly platform: Platform = 'web') {}
  async send(to: Recipient, view: View): Promise<MessageRef> {
    const ref = { platform: this.platform, channelId: to.platformUserId, messageId: randomUUID() };
    this.messages.set(ref.messageId, view);
    this.sent.push({ to: to.platformUserId, view });
    return ref;
  }
  async edit(message: MessageRef, view: View): Promise<void> {
    this.messages.set(message.messageId, view);
    this.edits.push({ message, view });
  }
}

export const SECRET = 'test-secret-for-bot-actions';

export interface BotHarness extends TestContext {
  bot: Bot;
  port: RecordingPort;
}

export async function setupBot(o: { telemetry?: CoreTelemetry } = {}): Promise<BotHarness> {
  const ctx = await setupCore({}, {}, o.telemetry);
  const port = new RecordingPort('web');
  const bot = createBot({ core: ctx.core, clock: ctx.clock, actionSecret: SECRET, ports: { web: port } });
  return { ...ctx, bot, port };
}

/** A chat user of the playground scope, with the messages they have on screen. */
export class Chatter {
  readonly user: ChatUser;
  /** Messages on this user's screen by id; updates replace them in place. */
  readonly screen = new Map<string, View>();
  last?: { ref: MessageRef; view: View };
  lastNotice?: string;
  lastForm?: Extract<Effect, { type: 'form' }>['form'];
  constructor(readonly h: BotHarness, id = randomUUID(), extra: Partial<ChatUser> = {}) {
    this.user = { platform: 'web', scope: 'local', platformUserId: id, ...extra };
  }

  /** Shows the effects as an adapter does, reporting each reply's message back to the bot. */
  private async apply(inbound: Inbound, effects: Effect[], from?: MessageRef): Promise<Effect[]> {
    this.lastNotice = undefined;
    for (const e of effects) {
      if (e.type === 'reply' || e.type === 'update') {
        expect(checkView(e.view)).toEqual([]);
        const ref = e.type === 'update' && from ? from : { platform: this.user.platform, channelId: this.user.platformUserId, messageId: randomUUID() };
        this.screen.set(ref.messageId, e.view);
        // The port sees the same messages, so live edits land on them.
        this.h.port.messages.set(ref.messageId, e.view);
        this.last = { ref, view: e.view };
        if (e.type === 'reply') await this.h.bot.sent(inbound, e, ref);
      } else if (e.type === 'notice') this.lastNotice = e.text;
      else if (e.type === 'form') this.lastForm = e.form;
    }
    return effects;
  }

  async send(inbound: InboundInput): Promise<Effect[]> {
    const full = { deliveryId: randomUUID(), ...inbound, user: this.user } as Inbound;
    return this.apply(full, await this.h.bot.handle(full), inbound.type === 'action' ? (inbound as { message?: MessageRef }).message : undefined);
  }

  command(name: string, args = '') {
    return this.send({ type: 'command', name, args });
  }

  /** The last message as it is now: live edits through the port land on it too. */
  current(): { ref: MessageRef; view: View } | undefined {
    return this.last && { ref: this.last.ref, view: this.h.port.messages.get(this.last.ref.messageId) ?? this.last.view };
  }

  /** Clicks the button or option labelled `label` (a substring) on the last message. */
  click(label: string | RegExp, on = this.current()) {
    if (!on) throw new Error('no message to click on');
    const token = findAction(on.view, label);
    return this.send({ type: 'action', action: token, message: on.ref });
  }

  clickToken(action: string, message = this.last?.ref) {
    return this.send({ type: 'action', action, ...(message ? { message } : {}) });
  }

  submit(values: Record<string, string>) {
    if (!this.lastForm) throw new Error('no form open');
    return this.send({ type: 'submit', action: this.lastForm.submit, values });
  }

  text(): string {
    return viewText(this.current()?.view);
  }
}

export function viewText(view: View | undefined): string {
  if (!view) return '';
  return view.blocks
    .map((b) =>
      b.type === 'header' || b.type === 'text'
        ? b.text
        : b.type === 'fields'
          ? b.fields.map((f) => `${f.label}: ${f.value}`).join('\n')
          : b.type === 'actions'
            ? b.elements.map((e) => (e.type === 'button' ? `[${e.label}]` : e.options.map((o) => `<${o.label}>`).join(' '))).join(' ')
            : '',
    )
    .join('\n');
}

export function actionsOf(view: View): { label: string; action: string }[] {
  return view.blocks.flatMap((b) =>
    b.type === 'actions' ? b.elements.flatMap((e) => (e.type === 'button' ? [{ label: e.label, action: e.action }] : e.options)) : [],
  );
}

export function findAction(view: View, label: string | RegExp): string {
  const found = actionsOf(view).find((a) => (typeof label === 'string' ? a.label.includes(label) : label.test(a.label)));
  if (!found) throw new Error(`no "${String(label)}" in: ${viewText(view)}`);
  return found.action;
}

/** A coach with weekly windows (coach-local), and a member linked to a chat user. */
export async function coachWithHours(h: BotHarness, o: UserOverrides & { windows?: { dayOfWeek: number; startTime: string; endTime: string; maxSessionsPerSlot?: number }[] } = {}) {
  const coach = await makeCoach(h.db, { name: o.name ?? 'Coach Carla', coachTimezone: o.coachTimezone ?? 'UTC', timezone: o.coachTimezone ?? 'UTC' });
  const actor = await actorOf(h.db, coach);
  for (const w of o.windows ?? [{ dayOfWeek: 2, startTime: '09:00', endTime: '12:00', maxSessionsPerSlot: 2 }]) {
    await h.core.availability.create(actor, { bufferMinutes: 0, maxSessionsPerSlot: 1, ...w });
  }
  return { ...coach, actor };
}

export async function linkedMember(h: BotHarness, coachId: string | null, o: UserOverrides = {}) {
  const member = await makeMember(h.db, { coachId, ...o });
  const chatter = new Chatter(h);
  await h.core.chat.ensureLink(member.id, { platform: 'web', scope: 'local', platformUserId: chatter.user.platformUserId });
  return { member, chatter };
}

export async function linkedUser(h: BotHarness, userId: string) {
  const chatter = new Chatter(h);
  await h.core.chat.ensureLink(userId, { platform: 'web', scope: 'local', platformUserId: chatter.user.platformUserId });
  return chatter;
}
