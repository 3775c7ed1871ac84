import type { ChatUser } from '../../bot/inbound.ts';
import type { Form } from '../../bot/view.ts';
import type { BotApi } from './bot-api.ts';
import type { FormProgress, FormState } from './form-state.ts';
import { renderFormPrompt, renderView } from './render.ts';

// Telegram has no modals: a form is asked as one prompt per input, each answered by a message (or
// Skip/Cancel). The answers are checked against the input's own rules as they come, and the
// whole submission is handed to the bot once the last one is in.

export type FormAnswer = { done: false } | { done: true; form: Form; values: Record<string, string> };

function problemWith(input: Form['inputs'][number], value: string): string | undefined {
  if (input.required && !value) return 'This one needs an answer.';
  if (value.length > input.maxLength) return `At most ${input.maxLength} characters, please (that was ${value.length}).`;
  if (input.style === 'text' && value.includes('\n')) return 'One line, please.';
  return undefined;
}

export function createFormPrompts(api: BotApi, state: FormState) {
  async function ask(user: ChatUser, progress: FormProgress, problem?: string): Promise<void> {
    const sent = await api.sendMessage(progress.chatId, renderFormPrompt(progress.form, progress.step, problem));
    await state.write(user.platformUserId, { ...progress, promptMessageId: sent.messageId });
  }

  async function retirePrompt(progress: FormProgress): Promise<void> {
    if (progress.promptMessageId !== undefined) await api.removeKeyboard({ chatId: progress.chatId, messageId: progress.promptMessageId });
  }

  return {
    pending: (user: ChatUser) => state.read(user.platformUserId),

    async start(user: ChatUser, chatId: string, form: Form): Promise<void> {
      const previous = await state.read(user.platformUserId);
      if (previous) await retirePrompt(previous);
      if (form.inputs.length === 0) throw new Error(`form "${form.title}" has no inputs`);
      await ask(user, { form, step: 0, values: {}, chatId });
    },

    /** The user's reply to the prompt on screen; `null` is the Skip / Keep button. */
    async answer(user: ChatUser, progress: FormProgress, reply: string | null): Promise<FormAnswer> {
      const input = progress.form.inputs[progress.step]!;
      const value = reply === null ? (input.initial ?? '') : reply.trim();
      const problem = problemWith(input, value);
      if (problem) {
        await retirePrompt(progress);
        await ask(user, progress, problem);
        return { done: false };
      }
      await retirePrompt(progress);
      const next: FormProgress = { ...progress, step: progress.step + 1, values: { ...progress.values, [input.id]: value } };
      if (next.step < progress.form.inputs.length) {
        await ask(user, next);
        return { done: false };
      }
      await state.clear(user.platformUserId);
      return { done: true, form: progress.form, values: next.values };
    },

    async cancel(user: ChatUser, progress: FormProgress, say = true): Promise<void> {
      await state.clear(user.platformUserId);
      await retirePrompt(progress);
      if (say) await api.sendMessage(progress.chatId, renderView({ summary: 'Cancelled', blocks: [{ type: 'text', text: `${progress.form.title}: cancelled.` }] }));
    },
  };
}

export type FormPrompts = ReturnType<typeof createFormPrompts>;
