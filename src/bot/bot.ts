import { createActionSigner } from './actions.ts';
import { Refusal, subjectOfChatUser, subjectOfUser, viewerFor, type BotDeps, type BotRuntime, type Ctx, type LiveDrawer } from './context.ts';
import { ACTION_SENTENCES, sentenceFor } from './errors.ts';
import { notice, reply, type ActionHandler, type CommandHandler, type Feature } from './feature.ts';
import { FEATURES } from './features/index.ts';
import { answerText, rememberForms } from './forms.ts';
import type { Effect, Inbound } from './inbound.ts';
import { refreshLive } from './live.ts';
import { createPresenter } from './presenter.ts';
import { screen, text } from './ui.ts';
import { isDomainError } from '../core/index.ts';
import type { Presenter } from './port.ts';

export interface Bot {
  /** Handles one verified inbound delivery and answers what the adapter should do. Never throws. */
  handle(inbound: Inbound): Promise<Effect[]>;
  /** Turns a notice into its recipient's message (for the jobs). */
  present: Presenter;
}

/** The bot's composition: every feature's commands, actions and live screens behind one router. */
export function createBot(deps: BotDeps): Bot {
  const commands: Record<string, CommandHandler> = {};
  const actions: Record<string, ActionHandler> = {};
  const drawers: Record<string, LiveDrawer> = {};
  for (const f of FEATURES as Feature[]) {
    for (const [table, entries] of [[commands, f.commands], [actions, f.actions], [drawers, f.live]] as const) {
      for (const [name, handler] of Object.entries(entries ?? {})) {
        // Two features answering one verb would be a silent bug: refuse to start instead.
        if (name in table) throw new Error(`bot: "${name}" is defined twice`);
        (table as Record<string, unknown>)[name] = handler;
      }
    }
  }
  const rt: BotRuntime = {
    ...deps,
    signer: createActionSigner(deps.actionSecret),
    drawers,
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
        const handler = commands[name] ?? commands.help!;
        return handler(ctx, inbound.args.trim());
      }
      case 'text':
        return answerText(ctx, inbound.text, (c, token, values) => act(c, token, values));
      case 'action':
        return act(ctx, inbound.action, {});
      case 'submit':
        return act(ctx, inbound.action, inbound.values ?? {});
    }
  }

  async function act(ctx: Ctx, token: string, values: Record<string, string>): Promise<Effect[]> {
    const subjects = [subjectOfChatUser(ctx.user), ...(ctx.account ? [subjectOfUser(ctx.account.userId)] : [])];
    const check = rt.signer.verify(token, subjects, ctx.now);
    if (!check.ok) return [notice(ACTION_SENTENCES[check.reason])];
    const handler = actions[check.verb];
    if (!handler) return [notice(ACTION_SENTENCES.unknown)];
    return handler(ctx, check.args, values);
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
        const ctx = await context(inbound);
        effects = await rememberForms(ctx, await route(ctx, inbound));
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

  return { handle, present: createPresenter(rt) };
}
