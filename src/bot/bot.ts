import { createActionSigner } from './actions.ts';
import { Refusal, subjectOfChatUser, subjectOfUser, viewerFor, type BotDeps, type BotRuntime, type Ctx, type LiveDrawer } from './context.ts';
import { ACTION_SENTENCES, sentenceFor } from './errors.ts';
import { notice, reply, type ActionHandler, type CommandHandler, type Feature } from './feature.ts';
import { FEATURES } from './features/index.ts';
import { unknownCommandSentence } from './did-you-mean.ts';
import { answerText, endPendingForm, formRefused, pendingForm, REOPEN_VERB, rememberForms, reopenForm, reopensForm, submitsPending } from './forms.ts';
import { refusalFor } from './guards.ts';
import type { ChatUser, Effect, Inbound, MessageRef } from './inbound.ts';
import { forgetReplaced, redrawForNotice, refreshLive, rememberNotice, rememberSent } from './live.ts';
import { createPresenter } from './presenter.ts';
import { screen, text } from './ui.ts';
import { isDomainError } from '../core/index.ts';
import type { NoticeKeeper, Presenter, Redrawer } from './port.ts';
import type { Form } from './view.ts';
import { formOpenedBy, formVerb, VERBS } from './verbs.ts';
import type { ChatAccount } from '../core/chat/index.ts';

/** A form drawn without its current values leaves those inputs empty: empty there means "keep". */
function keptOut(values: Record<string, string>, keeps: readonly string[] = []): Record<string, string> {
  return Object.fromEntries(Object.entries(values).filter(([id, value]) => !(keeps.includes(id) && value.trim() === '')));
}

export interface Bot {
  /** Handles one verified inbound delivery and answers what the adapter should do. Never throws. */
  handle(inbound: Inbound): Promise<Effect[]>;
  /**
   * The form an action opens, drawn before its handler runs (for Discord, whose modal must be the
   * immediate answer): null when the action opens no form, a notice when the token or the person
   * may not open it. Its submit is the action's own token, checked again with the values.
   */
  formAtOnce(inbound: Extract<Inbound, { type: 'action' }>): Promise<Effect | null>;
  /**
   * The adapter posted `effect`, one of the effects `handle` answered for `inbound`, as `sent`: a
   * reply to keep current (`keep`, e.g. a typed /sessions) is remembered like a button's message.
   * Adapters call it for the replies they post as messages they can edit later. Never throws.
   */
  sent(inbound: Inbound, effect: Effect, sent: MessageRef): Promise<void>;
  /** Turns a notice into its recipient's message (for the jobs). */
  present: Presenter;
  /** Redraws the messages kept current that a notice's change touches (for the jobs). */
  redraw: Redrawer;
  /** Keeps a delivered notice current with its session (for the jobs). */
  keepNotice: NoticeKeeper;
}

/** The bot's composition: every feature's commands, actions and live screens behind one router. */
export function createBot(deps: BotDeps): Bot {
  const commands: Record<string, CommandHandler> = {};
  const actions: Record<string, ActionHandler> = {};
  const drawers: Record<string, LiveDrawer> = {};
  for (const f of FEATURES as Feature[]) {
    const runs = Object.fromEntries(Object.entries(f.commands ?? {}).flatMap(([name, c]) => [[name, c.run], ...(c.slackName ? [[c.slackName, c.run]] : [])]));
    for (const [table, entries] of [[commands, runs], [actions, f.actions], [drawers, f.live]] as const) {
      for (const [name, handler] of Object.entries(entries ?? {})) {
        // Two features answering one verb would be a silent bug: refuse to start instead.
        if (name in table) throw new Error(`bot: "${name}" is defined twice`);
        (table as Record<string, unknown>)[name] = handler;
      }
    }
  }
  const unhandled = Object.keys(VERBS).filter((verb) => verb !== REOPEN_VERB && !(verb in actions));
  if (unhandled.length) throw new Error(`bot: no handler for the verbs ${unhandled.join(', ')}`);
  const rt: BotRuntime = {
    ...deps,
    signer: createActionSigner(deps.actionSecret),
    drawers,
    menu: FEATURES.flatMap((f) => Object.entries(f.commands ?? {})),
    refresh: (change, except) => refreshLive(rt, change, except),
  };

  async function context(inbound: Inbound): Promise<Ctx> {
    const account = await rt.core.chat.account(inbound.user);
    const viewer = await viewerFor(rt, account?.isActive ? account : null, subjectOfChatUser(inbound.user), inbound.user.timezone ?? 'UTC');
    return {
      ...viewer,
      user: inbound.user,
      deliveryId: inbound.deliveryId,
      ...(inbound.type === 'action' || inbound.type === 'submit' ? { action: inbound.action } : {}),
      ...(inbound.type === 'action' && inbound.message ? { message: inbound.message } : {}),
    };
  }

  async function route(ctx: Ctx, inbound: Inbound): Promise<Effect[]> {
    switch (inbound.type) {
      case 'command': {
        const name = inbound.name.toLowerCase().replace(/^\//, '');
        await endPendingForm(ctx);
        // Own entries only: a command named `constructor` or `__proto__` is just unknown.
        const handler = Object.hasOwn(commands, name) ? commands[name] : undefined;
        if (!handler) return answerFor(inbound, unknownCommandSentence(name, Object.keys(commands)));
        return handler(ctx, inbound.args.trim());
      }
      case 'text':
        return answerText(ctx, inbound.text, submit);
      case 'action':
        return act(ctx, inbound.action, {});
      case 'submit': {
        const pending = await pendingForm(ctx);
        await endPendingForm(ctx);
        return submit(ctx, submitsPending(pending, inbound.action) ? pending.form : null, inbound.action, inbound.values ?? {});
      }
    }
  }

  const verifyFor = (user: ChatUser, account: ChatAccount | null, token: string, now: Date) =>
    rt.signer.verify(token, [subjectOfChatUser(user), ...(account ? [subjectOfUser(account.userId)] : [])], now);

  async function act(ctx: Ctx, token: string, values: Record<string, string>, submitted = false): Promise<Effect[]> {
    const check = verifyFor(ctx.user, ctx.account, token, ctx.now);
    if (!check.ok) return [notice(ACTION_SENTENCES[check.reason])];
    if (check.verb === REOPEN_VERB) return [await reopenForm(ctx)];
    // Any other button starts something new: a form still waiting for answers is over.
    await endPendingForm(ctx);
    // A form opened at once (formAtOnce) is submitted with its opener's token.
    const opened = submitted ? formVerb(check.verb) : undefined;
    const handler = opened ? actions[opened.submit] : actions[check.verb];
    if (!handler) return [notice(ACTION_SENTENCES.unknown)];
    const effects = await handler(ctx, check.args, opened ? keptOut(values, opened.keeps) : values);
    await forgetReplaced(ctx, effects);
    return effects;
  }

  /** A form's answers; one refused for a single input comes back to fix that input, keeping the rest. */
  async function submit(ctx: Ctx, form: Form | null, token: string, values: Record<string, string>): Promise<Effect[]> {
    try {
      return await act(ctx, token, values, true);
    } catch (error) {
      const again = form && formRefused(ctx, form, values, error);
      if (!again) throw error;
      return [{ type: 'form', form: again }];
    }
  }

  async function formAtOnce(inbound: Extract<Inbound, { type: 'action' }>): Promise<Effect | null> {
    const spec = formOpenedBy(inbound.action);
    const reopens = reopensForm(inbound.action);
    if (!spec && !reopens) return null;
    const found = await rt.core.chat.account(inbound.user);
    const account = found?.isActive ? found : null;
    const check = verifyFor(inbound.user, account, inbound.action, rt.clock.now());
    if (!check.ok) return notice(ACTION_SENTENCES[check.reason]);
    // "Fix it" / "Open the form": the form waiting for answers, submitted with its own token.
    if (!spec) return reopenForm({ core: rt.core, user: inbound.user });
    const refusal = refusalFor(account, spec.for);
    if (refusal) return notice(refusal);
    return { type: 'form', form: spec.draw(check.args, { submit: inbound.action, user: inbound.user }) };
  }

  function answerFor(inbound: Inbound, sentence: string): Effect[] {
    return inbound.type === 'command' || inbound.type === 'text' ? [reply(screen(sentence, [text(sentence)]))] : [notice(sentence)];
  }

  async function handle(inbound: Inbound): Promise<Effect[]> {
    const key = { platform: inbound.user.platform, scope: inbound.user.scope, deliveryId: inbound.deliveryId };
    let claimed = false;
    try {
      const claim = await rt.core.chat.claimDelivery(key);
      if (claim.state === 'answered') return claim.effects as Effect[];
      if (claim.state === 'in_progress') return [notice(ACTION_SENTENCES.inProgress)];
      claimed = true;
      let effects: Effect[];
      try {
        // Where notices go by default: the platform the person last wrote from (docs/design.md §10).
        await rt.core.chat.touch(inbound.user);
        const ctx = await context(inbound);
        effects = await rememberForms(ctx, await route(ctx, inbound), inbound.type === 'action' ? inbound.action : undefined);
      } catch (error) {
        if (error instanceof Refusal) effects = answerFor(inbound, error.sentence);
        else if (isDomainError(error)) effects = answerFor(inbound, sentenceFor(error));
        else throw error;
      }
      await rt.core.chat.answerDelivery(key, effects);
      return effects;
    } catch (error) {
      rt.logger?.error({ err: error, platform: inbound.user.platform, type: inbound.type }, 'bot failed to handle an input');
      if (claimed) await rt.core.chat.releaseDelivery(key).catch(() => undefined);
      return answerFor(inbound, sentenceFor(error));
    }
  }

  async function sent(inbound: Inbound, effect: Effect, ref: MessageRef): Promise<void> {
    try {
      await rememberSent(rt, inbound.user, effect, ref);
    } catch (error) {
      // Like a live redraw, keeping a reply current is a courtesy: the reply itself was delivered.
      rt.logger?.warn({ err: error, platform: inbound.user.platform }, 'could not keep a reply current');
    }
  }

  return { handle, formAtOnce, sent, present: createPresenter(rt), redraw: (n) => redrawForNotice(rt, n), keepNotice: (n, sent) => rememberNotice(rt, n, sent) };
}
