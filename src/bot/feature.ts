import type { Ctx, Viewer } from './context.ts';
import type { ChatUser, Effect } from './inbound.ts';
import type { ActionToken, Form, View } from './view.ts';
import type { Verb } from './verbs.ts';

export type CommandHandler = (ctx: Ctx, args: string) => Promise<Effect[]>;
export type ActionHandler = (ctx: Ctx, args: string[], values: Record<string, string>) => Promise<Effect[]>;
/** Draws a message kept current again, for its viewer, from what was remembered. */
export type LiveDrawer = (viewer: Viewer, args: Record<string, unknown>) => Promise<View>;

/**
 * Who a command is for: it is listed in their help, and platforms show it to everyone. `anyone`
 * includes people the bot does not know yet (and is not repeated in an account's help); `linked`
 * is everyone with an account, whatever their role.
 */
export type Audience = 'anyone' | 'linked' | 'member' | 'coach' | 'admin';

/**
 * A command as the menus list it and the router runs it. The command list, the help text and the
 * platforms' registrations (Telegram's menu, Discord's slash commands, Slack's manifest) are all
 * derived from these entries: adding a command is adding one entry to its feature.
 */
export interface Command {
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
  run: CommandHandler;
}

export const lowerFirst = (s: string): string => s.charAt(0).toLowerCase() + s.slice(1);

/** A command's line in the help: `/members [name] — your members`. */
export function helpLine(name: string, c: Command): string {
  return `/${name}${c.usage ? ` ${c.usage}` : ''} — ${lowerFirst(c.description)}`;
}

/** What an opened form is drawn with: its submit token, who opens it, and the data it edits. */
export interface FormDraw {
  submit: ActionToken;
  user: ChatUser;
  /**
   * The current values of the inputs the form edits (`keeps`). Absent when the form opens before
   * the bot has read them (Discord past its answer budget): those inputs are then drawn empty
   * and an empty answer keeps the value as it is.
   */
  current?: Record<string, string>;
}

/**
 * The declaration of a verb that opens a form. The form is drawn from the action's arguments
 * alone, so an adapter that must answer at once (Discord's modal) can open it before the bot runs.
 */
export interface FormVerb {
  /** The verb the form's submit carries, with the same arguments (verbs.ts checks it is declared). */
  submit: string;
  /** Who may open it; checked from the account alone before the form is shown. */
  for: 'anyone' | 'member' | 'coach';
  /** Inputs that show data the bot reads (see FormDraw.current). */
  keeps?: readonly string[];
  draw(args: string[], d: FormDraw): Form;
}

/**
 * How each action verb is used: `'act'` draws or changes something, `'submit'` receives a form's
 * values, a FormVerb opens a form. Verbs are two letters, case-sensitive; a capital second letter
 * marks the second step of its lower-case twin: the submit of the form it opens (`sc` opens
 * "Cancel session", `sC` cancels) or the confirmation it asks for (`ax` asks, `aX` deletes). A form
 * verb always names its submit, also where it does not follow that (`sk` → `sf`, `rt` → `rf`).
 */
export type VerbUse = 'act' | 'submit' | FormVerb;

/** One area of the bot: its commands, the actions its buttons and forms send, its live screens. */
export interface Feature<V extends string = string> {
  commands?: Record<string, Command>;
  /** Exactly the verbs the feature declares (see verbs.ts), each with its handler. */
  actions?: Record<V, ActionHandler>;
  live?: Record<string, LiveDrawer>;
}

export const reply = (view: View): Effect => ({ type: 'reply', view });
export const update = (view: View): Effect => ({ type: 'update', view });
export const notice = (text: string): Effect => ({ type: 'notice', text: text.length > 200 ? `${text.slice(0, 199)}…` : text });

/** Replace the message an action came from, or send a new one when there is none (a form's submit). */
export function show(ctx: Ctx, view: View): Effect {
  return ctx.message ? update(view) : reply(view);
}

/** The form a verb opens, drawn by the bot: signed for this viewer, with the current values it read. */
export function openForm(ctx: Ctx, spec: FormVerb, args: string[], current?: Record<string, string>): Effect {
  const submit = ctx.act(spec.submit as Verb, ...args);
  return { type: 'form', form: spec.draw(args, { submit, user: ctx.user, ...(current ? { current } : {}) }) };
}
