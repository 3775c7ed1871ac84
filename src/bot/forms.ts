import { isDomainError, ValidationError } from '../core/index.ts';
import type { Ctx } from './context.ts';
import { ACTION_SENTENCES } from './errors.ts';
import { reply } from './feature.ts';
import type { Effect } from './inbound.ts';
import { button, row, screen, text } from './ui.ts';
import type { ActionToken, Form, View } from './view.ts';

// A form waits for answers between the moment it opens and the moment it is submitted, or another
// command or button starts something else: then it is over, and free text is never taken as its
// answer. On platforms without modals (Telegram) its inputs are filled one at a time by free text;
// the form being filled lives in PostgreSQL (chat_states), so any bot process takes the next answer.
// The adapter shows the first prompt when it renders the form; the bot prompts for the rest.

const FORM_KEY = 'form';
const FORM_TTL_MS = 60 * 60_000;
/** What to send for an optional input to leave it empty. */
export const SKIP = '-';
/** The verb of a refused form's "open it again" button: it continues the form rather than ending it. */
export const REOPEN_VERB = 'fo';
/** The forms' own verb (see verbs.ts); the router answers it itself, before any feature's handler. */
export const FORM_VERBS = { [REOPEN_VERB]: 'act' } as const;

// Registers these verbs for `act()` (see VerbRegistry).
declare module './context.ts' {
  interface VerbRegistry extends Record<keyof typeof FORM_VERBS, true> {}
}
/** The answer to free text while no form waits for it. */
export const NOT_AN_ANSWER = 'I only understand commands and buttons here. Try /help.';

export type SubmitForm = (ctx: Ctx, form: Form | null, token: ActionToken, values: Record<string, string>) => Promise<Effect[]>;

interface PendingForm {
  form: Form;
  values: Record<string, string>;
  /** The button that opened it: a form Discord opened at once is submitted with that token (Bot.formAtOnce). */
  openedBy?: string;
}

/** Whether a submission is of the pending form: with the form's own token, or its opener's. */
export function submitsPending(pending: PendingForm | null, token: string): pending is PendingForm {
  return pending !== null && (pending.form.submit === token || pending.openedBy === token);
}

/** The form waiting for answers, if any. */
export async function pendingForm(ctx: Pick<Ctx, 'core' | 'user'>): Promise<PendingForm | null> {
  return ctx.core.chat.readState<PendingForm>(ctx.user, FORM_KEY);
}

/** Nothing waits for answers any more: the form was submitted, or something else started. */
export async function endPendingForm(ctx: Ctx): Promise<void> {
  await ctx.core.chat.clearState(ctx.user, FORM_KEY);
}

/**
 * Remembers the form an answer opens, so its inputs can come back as text. A refused form waits
 * only for the input to fix: every other answer is kept.
 */
export async function rememberForms(ctx: Ctx, effects: Effect[], openedBy?: string): Promise<Effect[]> {
  const at = effects.findIndex((e) => e.type === 'form');
  const opened = effects[at];
  if (!opened || opened.type !== 'form') return effects;
  const form: Form = { ...opened.form, reopen: opened.form.reopen ?? ctx.act(REOPEN_VERB) };
  const kept = form.refused ? Object.fromEntries(form.inputs.filter((i) => i.id !== form.refused!.input).map((i) => [i.id, i.initial ?? ''])) : {};
  await ctx.core.chat.writeState(ctx.user, FORM_KEY, { form, values: kept, ...(openedBy ? { openedBy } : {}) } satisfies PendingForm, FORM_TTL_MS);
  return effects.map((e, i) => (i === at ? { ...opened, form } : e));
}

/**
 * A form offered as a button, where the platform cannot open it as this answer (see Form.reopen):
 * what to fix and "Fix it" for a refused one, its title and "Open the form" for a new one.
 */
export function formOffer(form: Form): View {
  const message = form.refused?.message ?? `${form.title}: the form opens from this button.`;
  const blocks = [text(message), ...(form.reopen ? [row(button(form.refused ? 'Fix it' : 'Open the form', form.reopen, 'primary'))] : [])];
  return screen(message, blocks);
}

/** The input a refusal names, when it names one of the form's inputs. */
function refusedInput(form: Form, error: unknown): { id: string; message: string } | null {
  if (!isDomainError(error) || !(error instanceof ValidationError)) return null;
  for (const issue of error.issues) {
    const path = issue.field.split('.');
    const id = path.at(-1);
    const input = form.inputs.find((i) => i.id === id);
    if (input) return { id: input.id, message: `${input.label}: ${issue.message}` };
    // An item of a list typed one per line (commitments.2.text): the input, and which line.
    const at = path.findIndex((p, k) => k < path.length - 1 && form.inputs.some((i) => i.id === p) && /^\d+$/.test(path[k + 1] ?? ''));
    const listInput = at >= 0 ? form.inputs.find((i) => i.id === path[at]) : undefined;
    if (listInput) return { id: listInput.id, message: `${listInput.label}: item ${Number(path[at + 1]) + 1}: ${issue.message}` };
  }
  return null;
}

/** The form again after a refusal of one input, with every answer given. */
export function formRefused(ctx: Ctx, form: Form, values: Record<string, string>, error: unknown): Form | null {
  const refused = refusedInput(form, error);
  if (!refused) return null;
  return {
    ...form,
    inputs: form.inputs.map(({ initial, ...input }) => {
      const answer = input.id in values ? values[input.id] : initial;
      return answer ? { ...input, initial: answer.slice(0, input.maxLength) } : input;
    }),
    refused: { input: refused.id, message: refused.message },
  };
}

/** The question for input `index`; a refused input's question says first what was wrong. */
export function promptFor(form: Form, index: number): string {
  const input = form.inputs[index]!;
  const why = form.refused?.input === input.id ? `${form.refused.message}\n` : '';
  return `${why}${form.title}: ${input.label}${input.required ? '' : ` (optional, send ${SKIP} to skip)`}${input.initial ? `\nNow: ${input.initial}` : ''}`;
}

/** The input a form asks first: the refused one when it comes back, else the first. */
export function firstAsked(form: Form): number {
  return Math.max(0, form.inputs.findIndex((i) => i.id === form.refused?.input));
}

/** Takes free text as the next input of the pending form; submits the form when it is complete. */
export async function answerText(ctx: Ctx, raw: string, submit: SubmitForm): Promise<Effect[]> {
  const pending = await pendingForm(ctx);
  if (!pending) {
    // Someone the bot does not know learns in one sentence how to become known.
    const hint = ctx.account ? NOT_AN_ANSWER : ACTION_SENTENCES.signUpFirst;
    return [reply(screen(hint, [text(hint)]))];
  }
  const { form, values } = pending;
  const index = form.inputs.findIndex((i) => !(i.id in values));
  const input = form.inputs[index]!;
  const answer = raw.trim() === SKIP && !input.required ? '' : raw.trim();
  if (input.required && answer === '') return [reply(screen('Required', [text(`${input.label} is required.`, promptFor(form, index))]))];
  if (answer.length > input.maxLength) {
    return [reply(screen('Too long', [text(`${input.label} can be at most ${input.maxLength} characters.`, promptFor(form, index))]))];
  }
  const next = { ...values, [input.id]: answer };
  const following = form.inputs.findIndex((i) => !(i.id in next));
  if (following >= 0) {
    await ctx.core.chat.writeState(ctx.user, FORM_KEY, { form, values: next } satisfies PendingForm, FORM_TTL_MS);
    const prompt = promptFor(form, following);
    return [reply(screen(prompt, [text(prompt)]))];
  }
  await endPendingForm(ctx);
  return submit(ctx, form, form.submit, next);
}

/** The pending form again, with its answers, when its reopen button is used; its submit is the form's own. */
export async function reopenForm(ctx: Pick<Ctx, 'core' | 'user'>): Promise<Effect> {
  const pending = await pendingForm(ctx);
  if (!pending) return reply(screen(NOT_AN_ANSWER, [text('That form is closed. Please start again from the command.')]));
  // Opened from a button, it is a form to fill again (its answers in place), no longer a refusal to report.
  const { refused: _reported, ...form } = pending.form;
  return { type: 'form', form };
}

/** Whether an action token is a form's reopen button (read from the token alone, nothing verified). */
export function reopensForm(token: string): boolean {
  return typeof token === 'string' && token.startsWith(`${REOPEN_VERB}.`);
}
