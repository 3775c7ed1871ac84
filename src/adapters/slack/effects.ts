import type { WebClient } from '@slack/web-api';
import { formOffer } from '../../bot/index.ts';
import type { Effect, MessageRef } from '../../bot/inbound.ts';
import type { View } from '../../bot/view.ts';
import { clip, renderHome, renderMessage, renderModal, SLACK_LIMITS } from './render.ts';
import type { Origin } from './inbound.ts';
import { isDirectChannel, type SlackPeople } from './people.ts';
import { messageRef } from './refs.ts';

// The bot's Effects as Slack calls, for one delivery's origin:
// - reply: a message in the user's DM with the bot (the conversation itself when the input came
//   from the DM), so it can be edited in place later; ephemeral ones through response_url or
//   chat.postEphemeral; on the App Home tab, the Home view is published instead.
// - update: chat.update of the message the action came from (views.publish on Home).
// - form: a modal (views.open with the delivery's trigger).
// - notice: an ephemeral line only the user sees.

export interface EffectContext {
  client: WebClient;
  origin: Origin;
  people: SlackPeople;
  /** Where response_url posts go (tests point it at the fake; Slack's own URLs otherwise). */
  postResponse(url: string, body: Record<string, unknown>): Promise<void>;
}

export async function postResponseUrl(url: string, body: Record<string, unknown>): Promise<void> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`response_url answered ${res.status}`);
}

function noticeView(text: string): View {
  return { summary: text, blocks: [{ type: 'text', text }] };
}

async function replyChannel(ctx: EffectContext): Promise<string> {
  const { origin } = ctx;
  if (isDirectChannel(origin.channel)) return origin.channel;
  return ctx.people.dmChannel(ctx.client, origin.teamId, origin.userId);
}

async function ephemeral(ctx: EffectContext, view: View): Promise<void> {
  const { origin, client } = ctx;
  const message = renderMessage(view);
  if (origin.responseUrl) {
    await ctx.postResponse(origin.responseUrl, { response_type: 'ephemeral', replace_original: false, ...message });
    return;
  }
  const channel = origin.channel ?? (await replyChannel(ctx));
  await client.chat.postEphemeral({ channel, user: origin.userId, ...message });
}

async function publishHome(ctx: EffectContext, view: View): Promise<void> {
  await ctx.client.views.publish({ user_id: ctx.origin.userId, view: renderHome(view) });
}

/** Posts a new message in the user's DM; answers where it landed (nothing for the Home tab). */
async function reply(ctx: EffectContext, view: View): Promise<MessageRef | void> {
  if (ctx.origin.surface === 'home') return publishHome(ctx, view);
  const channel = await replyChannel(ctx);
  const posted = await ctx.client.chat.postMessage({ channel, ...renderMessage(view) });
  if (posted.ts) return messageRef(ctx.origin.teamId, posted.channel ?? channel, posted.ts);
}

/** Carries out one effect; answers the message a reply was posted as, when it is one that can be edited later. */
export async function applyEffect(ctx: EffectContext, effect: Effect): Promise<MessageRef | void> {
  const { origin, client } = ctx;
  switch (effect.type) {
    case 'reply':
      if (effect.ephemeral && origin.surface !== 'home') return ephemeral(ctx, effect.view);
      return reply(ctx, effect.view);
    case 'update':
      if (origin.surface === 'home') return publishHome(ctx, effect.view);
      if (origin.channel && origin.messageTs) {
        await client.chat.update({ channel: origin.channel, ts: origin.messageTs, ...renderMessage(effect.view) });
        return;
      }
      return reply(ctx, effect.view);
    case 'form':
      // A refused form answered too late for the modal's own errors, or a form with no trigger to
      // open it by: say what to fix, or what it is, and offer it as a button (a click brings a trigger).
      if (effect.form.refused || !origin.triggerId) return ephemeral(ctx, formOffer(effect.form));
      await client.views.open({ trigger_id: origin.triggerId, view: renderModal(effect.form, { channel: origin.channel }) });
      return;
    case 'notice':
      return ephemeral(ctx, noticeView(clip(effect.text, SLACK_LIMITS.sectionText)));
  }
}

/**
 * Applies a delivery's effects in order (a notice then a redraw reads in that order); `sent` hears
 * where each reply landed (Bot.sent).
 */
export async function applyEffects(ctx: EffectContext, effects: Effect[], sent?: (effect: Effect, ref: MessageRef) => Promise<void>): Promise<void> {
  for (const effect of effects) {
    const ref = await applyEffect(ctx, effect);
    if (ref && sent) await sent(effect, ref);
  }
}
