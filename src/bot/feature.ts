import type { Ctx, LiveDrawer, MenuEntry, Verb } from './context.ts';
import type { ChatUser, Effect } from './inbound.ts';
import type { ActionToken, Form, View } from './view.ts';

export type CommandHandler = (ctx: Ctx, args: string) => Promise<Effect[]>;
export type ActionHandler = (ctx: Ctx, args: string[], values: Record<string, string>) => Promise<Effect[]>;

export type { Audience, MenuEntry } from './context.ts';

/** A command as the menus list it (MenuEntry) and the router runs it. */
export interface Command extends MenuEntry {
  run: CommandHandler;
}

export const lowerFirst = (s: string): string => s.charAt(0).toLowerCase() + s.slice(1);

/** A command's line in the help: `/members [name] — your members`. */
export function helpLine(name: string, c: MenuEntry): string {
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
