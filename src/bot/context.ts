import type { Actor, Core, Clock } from '../core/index.ts';
import type { ChatAccount } from '../core/chat/index.ts';
import type { ActionSigner } from './actions.ts';
import type { ChatUser, MessageRef, Platform } from './inbound.ts';
import type { ChatPort } from './port.ts';
import type { ActionToken, View } from './view.ts';

/**
 * The action verbs, registered by the features that declare them: each feature's `*_VERBS` record
 * adds its keys here by declaration merging, so `act()` is typed against every registered verb
 * without this module importing the features that import it (verbs.ts checks the two agree).
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface VerbRegistry {}
export type Verb = keyof VerbRegistry & string;

/**
 * Who a command is for: it is listed in their help, and platforms show it to everyone. `anyone`
 * includes people the bot does not know yet (and is not repeated in an account's help); `linked`
 * is everyone with an account, whatever their role.
 */
export type Audience = 'anyone' | 'linked' | 'member' | 'coach' | 'admin';

/**
 * A command as the menus list it. The command list, the help text and the
 * platforms' registrations (Telegram's menu, Discord's slash commands, Slack's manifest) are all
 * derived from these entries: adding a command is adding one entry to its feature.
 */
export interface MenuEntry {
  /** Short, for every platform's menu (Discord: at most 100 characters with the audience prefix). */
  description: string;
  audience: Audience;
  /** What the command takes after its name, e.g. `<name>`; shown in the help and Slack's hint. */
  usage?: string;
  /**
   * The name Slack registers it under when Slack keeps the command's own for itself (Slack's
   * built-in `/invite` adds people to a channel, and a manifest listing it is refused).
   */
  slackName?: string;
  /** False for what a platform asks for by itself (Slack's App Home): no menu or help lists it. */
  listed?: false;
}

export interface BotLogger {
  error(obj: unknown, msg?: string): void;
  warn(obj: unknown, msg?: string): void;
}

export interface BotDeps {
  core: Core;
  clock: Clock;
  /** Signs action tokens; config BOT_ACTION_SECRET. */
  actionSecret: string;
  /** The adapters' ports, for editing messages kept current (slot pickers, session cards). */
  ports?: Partial<Record<Platform, ChatPort>>;
  logger?: BotLogger;
}

/** Draws a message kept current again, for its viewer, from what was remembered. */
export type LiveDrawer = (viewer: Viewer, args: Record<string, unknown>) => Promise<View>;

/** The time span a message kept current shows (see live.ts): a change inside it redraws the message. */
export interface LiveSpan {
  coachId: string;
  startsAt: Date;
  endsAt: Date;
  sessionId?: string;
}

export interface BotRuntime extends BotDeps {
  signer: ActionSigner;
  drawers: Record<string, LiveDrawer>;
  /** Every feature's commands, in the order the features declare them (the help lists them). */
  menu: readonly (readonly [name: string, entry: MenuEntry])[];
  /** Redraws the messages kept current that a change touches (see live.ts). */
  refresh(change: LiveSpan, except?: MessageRef): Promise<(MessageRef & { viewerId: string })[]>;
}

/** Who a screen is drawn for: their account, actor and zone, and signing for them. */
export interface Viewer {
  rt: BotRuntime;
  core: Core;
  now: Date;
  account: ChatAccount | null;
  actor: Actor | null;
  /** The IANA zone times are shown in. */
  zone: string;
  /** A signed action for this viewer. */
  act(verb: Verb, ...args: string[]): ActionToken;
}

/** A viewer talking to the bot through one chat identity. */
export interface Ctx extends Viewer {
  user: ChatUser;
  deliveryId: string;
  /** The action token this input carries (a button, or a form's submit). */
  action?: ActionToken;
  /** The message an action came from, when the platform says. */
  message?: MessageRef;
}

/** An answer the bot gives instead of doing something: no change was made. */
export class Refusal extends Error {
  constructor(readonly sentence: string) {
    super(sentence);
    this.name = 'Refusal';
  }
}

export function subjectOfUser(userId: string): string {
  return `u:${userId}`;
}

export function subjectOfChatUser(user: Pick<ChatUser, 'platform' | 'scope' | 'platformUserId'>): string {
  return `c:${user.platform}:${user.scope}:${user.platformUserId}`;
}

export async function viewerFor(rt: BotRuntime, account: ChatAccount | null, fallbackSubject: string, fallbackZone = 'UTC'): Promise<Viewer> {
  const now = rt.clock.now();
  const actor = account?.isActive ? await rt.core.access.actorFor(account.userId) : null;
  const subject = account ? subjectOfUser(account.userId) : fallbackSubject;
  return {
    rt,
    core: rt.core,
    now,
    account,
    actor,
    zone: account?.timezone ?? fallbackZone,
    act: (verb, ...args) => rt.signer.sign(subject, verb, args, now),
  };
}
