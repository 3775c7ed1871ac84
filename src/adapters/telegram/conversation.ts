import type { Logger } from 'pino';
import { firstAsked, type Bot, type Effect, type Form, type Inbound, type MessageRef } from '../../bot/index.ts';
import type { BotApi, SentRef } from './bot-api.ts';
import type { Invites } from './invites.ts';
import { toDeliveryError } from './errors.ts';
import { ADAPTER_PREFIX, callbackAnswerText, renderFormStart, renderView, type TelegramMessage } from './render.ts';
import { parseUpdate, type ParsedUpdate } from './inbound.ts';

// One Telegram update, after the receiver verified and acknowledged it and it was claimed as new:
// translated into the bot's Inbound, the bot's Effects carried out as Bot API calls. Every
// callback query is answered exactly once, whatever happens.

/** What the adapter needs of the bot. */
export type ChatBot = Pick<Bot, 'handle'> & Partial<Pick<Bot, 'sent'>>;

export interface ConversationDeps {
  bot: ChatBot;
  api: BotApi;
  /** The bot's question for one input of a form (the bot asks the later ones itself). */
  promptFor: (form: Form, index: number) => string;
  invites: Invites;
  logger: Logger;
  /** The bot's user id: the scope of its users' chat identities. */
  scope: string;
  botUsername: () => string;
}

const SORRY = 'Something went wrong on our side. Please try again in a moment.';
const PRIVATE_ONLY = 'Please talk to me in a private chat.';
const BAD_INVITE = 'That invite link is not valid; it may have been copied only in part. Ask your coach for a new one, or continue below.';

function plain(text: string) {
  return renderView({ summary: text, blocks: [{ type: 'text', text }] });
}

type Where = { chatId: string; message?: SentRef };

export function createConversation({ bot, api, promptFor, invites, logger, scope, botUsername }: ConversationDeps) {
  /**
   * Edits the message in place; one that can no longer be edited (over 48 hours old, deleted) gets
   * its new content as a new message instead, so the answer is never lost.
   */
  async function replace(where: Where, message: TelegramMessage): Promise<void> {
    if (!where.message) return void (await api.sendMessage(where.chatId, message));
    try {
      await api.editMessageText(where.message, message);
    } catch (error) {
      if (!toDeliveryError(error).permanent) throw error;
      logger.info({ err: error }, 'telegram: message not editable, sent anew');
      await api.sendMessage(where.chatId, message);
    }
  }

  /**
   * Carries out the bot's effects for `inbound` in `where`, telling the bot where each reply landed
   * (Bot.sent); returns the notices, which the caller shows.
   */
  async function apply(inbound: Inbound, effects: Effect[], where: Where): Promise<string[]> {
    const notices: string[] = [];
    for (const effect of effects) {
      switch (effect.type) {
        case 'reply': {
          const sent = await api.sendMessage(where.chatId, renderView(effect.view));
          await bot.sent?.(inbound, effect, { platform: 'telegram', channelId: sent.chatId, messageId: String(sent.messageId) });
          break;
        }
        case 'update':
          await replace(where, renderView(effect.view));
          break;
        case 'form':
          // A refused form asks again only the input to fix.
          await api.sendMessage(where.chatId, renderFormStart(effect.form, promptFor(effect.form, firstAsked(effect.form))));
          break;
        case 'notice':
          notices.push(effect.text);
          break;
      }
    }
    return notices;
  }

  async function run(inbound: Inbound, where: Where): Promise<void> {
    const effects = await bot.handle(inbound);
    const notices = await apply(inbound, effects, where);
    for (const text of notices) await api.sendMessage(where.chatId, plain(text));
  }

  async function onCommand(p: Extract<ParsedUpdate, { kind: 'command' }>): Promise<void> {
    let { name, args } = p;
    if (name === 'start' && args) {
      const coachUserId = invites.verify(args);
      if (coachUserId) {
        name = 'signup';
        args = coachUserId;
      } else {
        await api.sendMessage(p.chatId, plain(BAD_INVITE));
        args = '';
      }
    }
    await run({ type: 'command', name, args, user: p.user, deliveryId: String(p.updateId) }, { chatId: p.chatId });
  }

  /** Free text: the answer to a form's question, or a message for the coach or member (the bot knows which). */
  function onText(p: Extract<ParsedUpdate, { kind: 'text' }>): Promise<void> {
    return run({ type: 'text', text: p.text, user: p.user, deliveryId: String(p.updateId) }, { chatId: p.chatId });
  }

  async function onCallback(p: Extract<ParsedUpdate, { kind: 'callback' }>): Promise<void> {
    let answered = false;
    const answer = async (text?: string) => {
      if (answered) return;
      answered = true;
      await api.answerCallbackQuery(p.callbackQueryId, text);
    };
    // A private chat's id is the user's id, for a button on a message we no longer see.
    const chatId = p.chatId ?? p.user.platformUserId;
    const message = p.messageId === undefined ? undefined : { chatId, messageId: p.messageId };
    try {
      if (!p.data || p.data.startsWith(ADAPTER_PREFIX)) return await answer('This button no longer works.');
      const ref: MessageRef | undefined = message && { platform: 'telegram', channelId: message.chatId, messageId: String(message.messageId) };
      const inbound: Inbound = { type: 'action', action: p.data, user: p.user, deliveryId: String(p.updateId), ...(ref ? { message: ref } : {}) };
      const effects = await bot.handle(inbound);
      // Answer before the edits, so the button stops spinning as soon as the bot has decided.
      const notices = effects.flatMap((e) => (e.type === 'notice' ? [e.text] : []));
      await answer(callbackAnswerText(notices));
      await apply(inbound, effects.filter((e) => e.type !== 'notice'), { chatId, ...(message ? { message } : {}) });
    } catch (error) {
      await answer(SORRY).catch((e: unknown) => logger.warn({ err: e }, 'telegram: could not answer a callback query'));
      throw error;
    } finally {
      await answer().catch((e: unknown) => logger.warn({ err: e }, 'telegram: could not answer a callback query'));
    }
  }

  /** Handles one update; an error is logged and the user told, never thrown at the transport. */
  return async function handleUpdate(raw: unknown): Promise<void> {
    const p = parseUpdate(raw, scope, botUsername());
    if (p.kind === 'malformed') return void logger.warn({ issues: p.error }, 'telegram: malformed update ignored');
    if (p.kind === 'ignored') return void logger.debug({ updateId: p.updateId, reason: p.reason }, 'telegram: update ignored');
    try {
      if (p.kind === 'callback') return await onCallback(p);
      if (!p.isPrivate) {
        if (p.kind === 'command') await api.sendMessage(p.chatId, plain(PRIVATE_ONLY));
        return;
      }
      if (p.kind === 'command') return await onCommand(p);
      return await onText(p);
    } catch (error) {
      logger.error({ err: error, updateId: p.updateId }, 'telegram: update failed');
      if (p.kind !== 'callback') await api.sendMessage(p.chatId, plain(SORRY)).catch(() => undefined);
    }
  };
}
