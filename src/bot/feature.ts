import type { Ctx, LiveDrawer } from './context.ts';
import type { Effect } from './inbound.ts';
import type { View } from './view.ts';

export type CommandHandler = (ctx: Ctx, args: string) => Promise<Effect[]>;
export type ActionHandler = (ctx: Ctx, args: string[], values: Record<string, string>) => Promise<Effect[]>;

/** One area of the bot: its commands, the actions its buttons and forms send, its live screens. */
export interface Feature {
  commands?: Record<string, CommandHandler>;
  actions?: Record<string, ActionHandler>;
  live?: Record<string, LiveDrawer>;
}

export const reply = (view: View): Effect => ({ type: 'reply', view });
export const update = (view: View): Effect => ({ type: 'update', view });
export const notice = (text: string): Effect => ({ type: 'notice', text: text.length > 200 ? `${text.slice(0, 199)}…` : text });

/** Replace the message an action came from, or send a new one when there is none (a form's submit). */
export function show(ctx: Ctx, view: View): Effect {
  return ctx.message ? update(view) : reply(view);
}
