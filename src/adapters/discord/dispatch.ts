import type { REST } from '@discordjs/rest';
import { InteractionResponseType, InteractionType, MessageFlags, type APIInteractionResponse } from 'discord-api-types/v10';
import type { Redis } from 'ioredis';
import { setImmediate as afterIo } from 'node:timers/promises';
import { opensForm } from '../../bot/index.ts';
import type { Effect, Inbound, MessageRef } from '../../bot/inbound.ts';
import { interactionSchema, toInbound, type Interaction } from './inbound.ts';
import { deferredResponse, followUp, initialResponse, initialSent, type ReplySent } from './effects.ts';

// One path for every interaction, whichever way it arrived (HTTP endpoint or gateway): parse,
// drop a redelivery, let the bot work, answer. `answer` sends the initial response (the HTTP
// reply body, or the REST callback on the gateway) and is called exactly once.
// A click whose answer cannot be a form is acknowledged first and worked on after: its answer (the
// clicked message updated, a reply, a notice) arrives as a webhook call just as it would have come
// in the initial response, and the acknowledgement waits for no one's database work. Only what may
// open a form (a command, a form's submit, a form-opening button) waits for the bot, within the budget.

export interface BotHandler {
  handle(inbound: Inbound): Promise<Effect[]>;
  formAtOnce(inbound: Extract<Inbound, { type: 'action' }>): Promise<Effect | null>;
  /** Where a reply landed, to keep it current (Bot.sent); a bot that keeps nothing current leaves it out. */
  sent?(inbound: Inbound, effect: Effect, sent: MessageRef): Promise<void>;
}

export interface DispatchLogger {
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface DispatchDeps {
  bot: BotHandler;
  rest: REST;
  redis: Redis;
  /** Redis key prefix for delivery de-duplication. */
  keyPrefix: string;
  /**
   * How long the initial response may wait for the bot. Discord allows 3 s, and only the initial
   * response can open a modal; past the budget the interaction is deferred and answered later,
   * except a button that opens a form: it is answered with the form at once (Bot.formAtOnce).
   */
  answerBudgetMs: number;
  logger: DispatchLogger;
}

const SEEN_TTL_SECONDS = 24 * 60 * 60;
const FAILED = 'Something went wrong on our side. Please try again in a moment.';

export type Answer = (response: APIInteractionResponse) => Promise<void>;

function ephemeral(content: string): APIInteractionResponse {
  return { type: InteractionResponseType.ChannelMessageWithSource, data: { content, flags: MessageFlags.Ephemeral } };
}

/** Resolves with the bot's effects, or with 'late' if they take longer than the budget. */
function within<T>(work: Promise<T>, budgetMs: number): Promise<T | 'late'> {
  if (budgetMs <= 0) return Promise.resolve('late');
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), budgetMs);
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

export function createDispatcher(deps: DispatchDeps) {
  /** True the first time this interaction id is seen by any process. */
  async function firstDelivery(id: string): Promise<boolean> {
    try {
      return (await deps.redis.set(`${deps.keyPrefix}seen:${id}`, '1', 'EX', SEEN_TTL_SECONDS, 'NX')) === 'OK';
    } catch (error) {
      // Without Redis a redelivery is still harmless: the bot's changes are idempotent by delivery id.
      deps.logger.warn({ err: error }, 'discord: delivery de-duplication unavailable');
      return true;
    }
  }

  /**
   * A button that opens a form, once the bot is late: only the initial response can open a modal,
   * so the form is drawn from the button's own token, after the bot has checked it, instead of
   * deferring. The late work's answer (that same form, or a refusal the submit repeats) is dropped.
   */
  async function formInstead(interaction: Interaction, inbound: Inbound, answer: Answer, work: Promise<Effect[]>): Promise<boolean> {
    if (inbound.type !== 'action' || !opensForm(inbound.action)) return false;
    const opened = await deps.bot.formAtOnce(inbound);
    const initial = opened && initialResponse(interaction, opened);
    if (!initial) return false;
    await answer(initial);
    await work;
    return true;
  }

  async function answerFromEffects(interaction: Interaction, inbound: Inbound, answer: Answer, work: Promise<Effect[]>): Promise<void> {
    const early = await within(work, deps.answerBudgetMs);
    if (early === 'late' && (await formInstead(interaction, inbound, answer, work))) return;
    const bot = deps.bot;
    const sent: ReplySent | undefined = bot.sent && ((effect, ref) => bot.sent!(inbound, effect, ref));
    if (early !== 'late') {
      const initial = initialResponse(interaction, early[0]);
      if (initial) {
        await answer(initial);
        // The reply was delivered: not learning where it landed only leaves it unkept.
        await initialSent(deps.rest, interaction, early[0], sent).catch((error: unknown) => deps.logger.warn({ err: error }, 'discord: could not find the reply to keep current'));
        await followUp(deps.rest, interaction, early.slice(1), null, sent);
        return;
      }
    }
    const deferred = deferredResponse(interaction);
    await answer(deferred);
    const effects = early === 'late' ? await work : early;
    await followUp(deps.rest, interaction, effects, deferred, sent);
  }

  /**
   * The bot's work on a click already acknowledged (deferred): its effects go out as follow-ups,
   * the clicked message edited.
   */
  async function workAfterAcknowledgement(interaction: Interaction, inbound: Inbound): Promise<void> {
    const bot = deps.bot;
    const sent: ReplySent | undefined = bot.sent && ((effect, ref) => bot.sent!(inbound, effect, ref));
    await followUp(deps.rest, interaction, await bot.handle(inbound), deferredResponse(interaction), sent);
  }

  /** Handles one interaction payload; resolves when everything it causes has been sent. */
  return async function dispatch(payload: unknown, answer: Answer): Promise<void> {
    const parsed = interactionSchema.safeParse(payload);
    if (!parsed.success) {
      deps.logger.warn({ issues: parsed.error.issues.slice(0, 5) }, 'discord: malformed interaction');
      await answer(ephemeral('That request was not understood.'));
      return;
    }
    const interaction = parsed.data;
    if (interaction.type === InteractionType.Ping) {
      await answer({ type: InteractionResponseType.Pong });
      return;
    }
    const inbound = toInbound(interaction);
    if (!inbound) {
      await answer(ephemeral('This kind of interaction is not supported.'));
      return;
    }
    // A click that opens no form is acknowledged (deferred) before anything else, redelivered or not:
    // a redelivery's answer is that same acknowledgement. Its work starts once the answer is on its
    // way (after this turn's I/O), and the redelivery check comes with the work.
    const acknowledged = inbound.type === 'action' && !opensForm(inbound.action);
    if (acknowledged) {
      await answer(deferredResponse(interaction));
      await afterIo();
    }
    if (!(await firstDelivery(interaction.id))) {
      if (!acknowledged) await answer(interaction.type === InteractionType.MessageComponent ? { type: InteractionResponseType.DeferredMessageUpdate } : ephemeral('Already done.'));
      return;
    }
    let answered = acknowledged;
    const answerOnce: Answer = async (response) => {
      answered = true;
      await answer(response);
    };
    try {
      if (acknowledged) await workAfterAcknowledgement(interaction, inbound);
      else await answerFromEffects(interaction, inbound, answerOnce, deps.bot.handle(inbound));
    } catch (error) {
      deps.logger.error({ err: error, interaction: interaction.id }, 'discord: interaction failed');
      if (!answered) await answer(ephemeral(FAILED));
      else await followUp(deps.rest, interaction, [{ type: 'notice', text: FAILED }], null).catch(() => undefined);
    }
  };
}

export type Dispatch = ReturnType<typeof createDispatcher>;
