import type { Ctx, BotRuntime } from './context.ts';
import { viewerFor } from './context.ts';
import type { MessageRef } from './inbound.ts';
import { ChatDeliveryError } from './port.ts';

// Messages kept current (docs/design.md §6): a slot picker or session card drawn onto a known
// message is remembered in PostgreSQL with the time span it shows; when seats change, every
// remembered message touching the change is drawn again for its own viewer and edited in place
// through its platform's ChatPort. Any bot process can do the redraw: nothing lives in memory.

const LIVE_FOR_MS = 2 * 24 * 60 * 60_000;

export interface LiveSpan {
  coachId: string;
  startsAt: Date;
  endsAt: Date;
  sessionId?: string;
}

/** Remembers the message this action is answered on as showing `kind` for the viewer. */
export async function rememberLive(ctx: Ctx, kind: string, args: Record<string, unknown>, span: LiveSpan): Promise<void> {
  if (!ctx.message || !ctx.account) return;
  await ctx.core.chat.rememberLive({
    ...ctx.message,
    viewerId: ctx.account.userId,
    coachId: span.coachId,
    sessionId: span.sessionId ?? null,
    startsAt: span.startsAt,
    endsAt: span.endsAt,
    screen: { kind, args },
    expiresAt: new Date(ctx.now.getTime() + LIVE_FOR_MS),
  });
}

/** The message stops being kept current (it now shows something that does not change). */
export async function forgetLive(ctx: Ctx): Promise<void> {
  if (ctx.message) await ctx.core.chat.forgetLive(ctx.message);
}

/** Redraws every remembered message a change of seats or of a session touches, except `except`; answers those redrawn. */
export async function refreshLive(rt: BotRuntime, change: LiveSpan, except?: MessageRef): Promise<(MessageRef & { viewerId: string })[]> {
  const redrawn: (MessageRef & { viewerId: string })[] = [];
  const messages = await rt.core.chat.liveTouching({ coachId: change.coachId, from: change.startsAt, to: change.endsAt, sessionId: change.sessionId });
  for (const m of messages) {
    if (except && m.platform === except.platform && m.channelId === except.channelId && m.messageId === except.messageId) continue;
    const port = rt.ports?.[m.platform];
    const screen = m.screen as { kind?: string; args?: Record<string, unknown> };
    const draw = screen.kind ? rt.drawers[screen.kind] : undefined;
    if (!port || !draw) continue;
    try {
      const account = await rt.core.chat.accountOf(m.viewerId);
      if (!account?.isActive) {
        await rt.core.chat.forgetLive(m);
        continue;
      }
      const viewer = await viewerFor(rt, account, `u:${m.viewerId}`);
      const ref = { platform: m.platform, channelId: m.channelId, messageId: m.messageId };
      await port.edit(ref, await draw(viewer, screen.args ?? {}));
      redrawn.push({ ...ref, viewerId: m.viewerId });
    } catch (error) {
      // A message the platform will never let us edit again is forgotten; anything else is logged
      // and left for the next change to retry: a live edit is a courtesy, not a promise.
      if (error instanceof ChatDeliveryError && error.permanent) await rt.core.chat.forgetLive(m);
      else rt.logger?.warn({ err: error, message: { platform: m.platform, messageId: m.messageId } }, 'live message refresh failed');
    }
  }
  return redrawn;
}
