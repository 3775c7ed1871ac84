import type { Ctx } from './context.ts';
import { ACTION_SENTENCES } from './errors.ts';
import { reply } from './feature.ts';
import type { Effect } from './inbound.ts';
import { screen, text } from './ui.ts';
import type { Form } from './view.ts';

// Forms on platforms without modals (Telegram) are filled one input at a time by free text. The
// form being filled lives in PostgreSQL (chat_states), so any bot process takes the next answer.
// The adapter shows the first prompt when it renders the form; the bot prompts for the rest.

const FORM_KEY = 'form';
const FORM_TTL_MS = 60 * 60_000;
/** What to send for an optional input to leave it empty. */
export const SKIP = '-';

interface PendingForm {
  form: Form;
  values: Record<string, string>;
}

/** Remembers the form an answer opens, so its inputs can come back as text. */
export async function rememberForms(ctx: Ctx, effects: Effect[]): Promise<Effect[]> {
  const opened = effects.find((e) => e.type === 'form');
  if (opened && opened.type === 'form') {
    await ctx.core.chat.writeState(ctx.user, FORM_KEY, { form: opened.form, values: {} } satisfies PendingForm, FORM_TTL_MS);
  }
  return effects;
}

export function promptFor(form: Form, index: number): string {
  const input = form.inputs[index]!;
  return `${form.title}: ${input.label}${input.required ? '' : ` (optional, send ${SKIP} to skip)`}${input.initial ? `\nNow: ${input.initial}` : ''}`;
}

/** Takes free text as the next input of the pending form; submits the form when it is complete. */
export async function answerText(
  ctx: Ctx,
  raw: string,
  submit: (ctx: Ctx, token: string, values: Record<string, string>) => Promise<Effect[]>,
): Promise<Effect[]> {
  const pending = await ctx.core.chat.readState<PendingForm>(ctx.user, FORM_KEY);
  if (!pending) {
    // Someone the bot does not know learns in one sentence how to become known.
    const hint = ctx.account ? 'Send a command to start, for example /help.' : ACTION_SENTENCES.signUpFirst;
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
  if (index + 1 < form.inputs.length) {
    await ctx.core.chat.writeState(ctx.user, FORM_KEY, { form, values: next } satisfies PendingForm, FORM_TTL_MS);
    const prompt = promptFor(form, index + 1);
    return [reply(screen(prompt, [text(prompt)]))];
  }
  await ctx.core.chat.clearState(ctx.user, FORM_KEY);
  return submit(ctx, form.submit, next);
}
