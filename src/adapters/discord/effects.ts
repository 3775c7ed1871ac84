import type { REST } from '@discordjs/rest';
import {
  InteractionResponseType,
  InteractionType,
  MessageFlags,
  Routes,
  type APIInteractionResponse,
} from 'discord-api-types/v10';
import type { Effect, MessageRef } from '../../bot/inbound.ts';
import { formOffer } from '../../bot/index.ts';
import type { Form } from '../../bot/view.ts';
import { renderMessage, renderModal } from './render.ts';
import type { Interaction } from './inbound.ts';

// How the bot's effects answer one interaction. Discord wants an initial response within 3 s;
// it is the only moment a modal can be opened, so when the bot finishes inside the answer budget
// the first effect becomes the initial response and the rest follow as follow-up messages. When
// it does not, the interaction was already deferred and every effect becomes a webhook call.

/** Ephemeral in a server (a member's schedule is nobody else's business); normal in a DM. */
function isPrivate(interaction: Interaction, effect?: { ephemeral?: boolean }): boolean {
  return effect?.ephemeral ?? Boolean(interaction.guild_id);
}

function notice(text: string) {
  return { content: text.slice(0, 2000), flags: MessageFlags.Ephemeral, allowed_mentions: { parse: [] } };
}

/** What was wrong with a refused form's answers, and a button that opens it again filled in. */
/** A form that cannot be this answer (a modal cannot answer a modal or a late follow-up), offered as a button. */
function offered(form: Form) {
  return renderMessage(formOffer(form), { ephemeral: true });
}

/** The initial response an effect can be, or null when it cannot be one (it must follow up). */
export function initialResponse(interaction: Interaction, effect: Effect | undefined): APIInteractionResponse | null {
  const fromComponent = interaction.type === InteractionType.MessageComponent;
  if (!effect) {
    return fromComponent
      ? { type: InteractionResponseType.DeferredMessageUpdate }
      : { type: InteractionResponseType.ChannelMessageWithSource, data: notice('Done.') };
  }
  switch (effect.type) {
    case 'reply':
      return { type: InteractionResponseType.ChannelMessageWithSource, data: renderMessage(effect.view, { ephemeral: isPrivate(interaction, effect) }) };
    case 'update':
      // Only a message's own button (or a modal opened from it) can replace that message.
      if (!interaction.message) return { type: InteractionResponseType.ChannelMessageWithSource, data: renderMessage(effect.view, { ephemeral: isPrivate(interaction) }) };
      return { type: InteractionResponseType.UpdateMessage, data: renderMessage(effect.view) };
    case 'form':
      // A modal cannot answer a modal: a refused one is offered again, with its answers, by a button.
      if (interaction.type === InteractionType.ModalSubmit) {
        return { type: InteractionResponseType.ChannelMessageWithSource, data: offered(effect.form) };
      }
      return { type: InteractionResponseType.Modal, data: renderModal(effect.form) };
    case 'notice':
      return { type: InteractionResponseType.ChannelMessageWithSource, data: notice(effect.text) };
  }
}

/** What to answer at once when the bot's work will finish later. */
export function deferredResponse(interaction: Interaction): APIInteractionResponse {
  if (interaction.type === InteractionType.MessageComponent) return { type: InteractionResponseType.DeferredMessageUpdate };
  return {
    type: InteractionResponseType.DeferredChannelMessageWithSource,
    ...(isPrivate(interaction) ? { data: { flags: MessageFlags.Ephemeral } } : {}),
  };
}

/** Hears where a reply landed (Bot.sent). */
export type ReplySent = (effect: Effect, ref: MessageRef) => Promise<void>;

/** A message Discord answered a webhook call with, as a reference the ChatPort can edit. */
function refOf(message: unknown): MessageRef | null {
  const m = message as { id?: unknown; channel_id?: unknown } | undefined;
  return typeof m?.id === 'string' && typeof m.channel_id === 'string' ? { platform: 'discord', channelId: m.channel_id, messageId: m.id } : null;
}

/**
 * A reply the bot asked to keep current that went out as the initial response: Discord answers
 * the initial response with nothing, so the message it became is asked for (`@original`).
 */
export async function initialSent(rest: REST, interaction: Interaction, effect: Effect | undefined, sent?: ReplySent): Promise<void> {
  if (!sent || effect?.type !== 'reply' || !effect.keep) return;
  const ref = refOf(await rest.get(Routes.webhookMessage(interaction.application_id, interaction.token, '@original'), { auth: false }));
  if (ref) await sent(effect, ref);
}

/**
 * Sends effects after the initial response, through the interaction's webhook (valid 15 minutes).
 * `deferred` is the deferred response given, if any: a deferred "thinking" message is replaced by
 * the first message the bot produces, and a deferred update edits the clicked message. `sent`
 * hears where a reply to keep current landed.
 */
export async function followUp(rest: REST, interaction: Interaction, effects: Effect[], deferred: APIInteractionResponse | null, sent?: ReplySent): Promise<void> {
  const original = Routes.webhookMessage(interaction.application_id, interaction.token, '@original');
  const webhook = Routes.webhook(interaction.application_id, interaction.token);
  let thinking = deferred?.type === InteractionResponseType.DeferredChannelMessageWithSource;
  for (const effect of effects) {
    let body: object;
    let replaces = false;
    switch (effect.type) {
      case 'update':
        body = renderMessage(effect.view);
        replaces = Boolean(interaction.message) || thinking;
        break;
      case 'reply':
        body = renderMessage(effect.view, { ephemeral: isPrivate(interaction, effect) });
        replaces = thinking;
        break;
      case 'notice':
        body = notice(effect.text);
        replaces = thinking;
        break;
      case 'form':
        body = offered(effect.form);
        replaces = thinking;
        break;
    }
    // Both answer with the message written, so a reply's place is known without asking.
    const message = replaces ? await rest.patch(original, { body, auth: false }) : await rest.post(webhook, { body, auth: false });
    const ref = effect.type === 'reply' && effect.keep ? refOf(message) : null;
    if (ref && sent) await sent(effect, ref);
    thinking = false;
  }
  if (thinking) await rest.patch(original, { body: notice('Done.'), auth: false });
}
