import type { Ctx, BotRuntime, LiveSpan } from './context.ts';
import { viewerFor } from './context.ts';
import type { ChatUser, Effect, MessageRef } from './inbound.ts';
import { ChatDeliveryError, type Notice } from './port.ts';

// Messages kept current (docs/design.md §6): a slot picker or session card drawn onto a known
// message is remembered in PostgreSQL with the time span it shows; when seats change, every
// remembered message touching the change is drawn again for its own viewer and edited in place
// through its platform's ChatPort. Any bot process can do the redraw: nothing lives in memory.

const LIVE_FOR_MS = 2 * 24 * 60 * 60_000;

/** Inputs whose answer drew a screen kept current (see forgetReplaced). */
const keptCurrent = new WeakSet<Ctx>();

/** The row that remembers `message` as showing `kind` over `span` for the viewer. */
function liveRow(message: MessageRef, viewerId: string, kind: string, args: Record<string, unknown>, span: LiveSpan, now: Date) {
  return {
    ...message,
    viewerId,
    coachId: span.coachId,
    sessionId: span.sessionId ?? null,
    startsAt: span.startsAt,
    endsAt: span.endsAt,
    screen: { kind, args },
    expiresAt: new Date(now.getTime() + LIVE_FOR_MS),
  };
}

/** Remembers the message this action is answered on as showing `kind` for the viewer. */
export async function rememberLive(ctx: Ctx, kind: string, args: Record<string, unknown>, span: LiveSpan): Promise<void> {
  if (!ctx.message || !ctx.account) return;
  keptCurrent.add(ctx);
  await ctx.core.chat.rememberLive(liveRow(ctx.message, ctx.account.userId, kind, args, span, ctx.now));
}

/**
 * Keeps the answer `effect` current as showing `kind`: drawn onto the message a button came from,
 * that message is remembered now; a new message (a typed command's reply) is marked, and remembered
 * once its adapter reports where it landed (rememberSent).
 */
export async function keepCurrent(ctx: Ctx, effect: Effect, kind: string, args: Record<string, unknown>, span: LiveSpan): Promise<Effect> {
  if (ctx.message) {
    await rememberLive(ctx, kind, args, span);
    return effect;
  }
  if (effect.type !== 'reply' || !ctx.account) return effect;
  const { coachId, startsAt, endsAt, sessionId } = span;
  return { ...effect, keep: { kind, args, coachId, startsAt: startsAt.toISOString(), endsAt: endsAt.toISOString(), ...(sessionId ? { sessionId } : {}) } };
}

/** An adapter posted `effect` as `sent`: a reply marked by keepCurrent is remembered for its viewer. */
export async function rememberSent(rt: BotRuntime, user: ChatUser, effect: Effect, sent: MessageRef): Promise<void> {
  if (effect.type !== 'reply' || !effect.keep) return;
  const account = await rt.core.chat.account(user);
  if (!account?.isActive) return;
  const { kind, args, coachId, startsAt, endsAt, sessionId } = effect.keep;
  const span = { coachId, startsAt: new Date(startsAt), endsAt: new Date(endsAt), ...(sessionId ? { sessionId } : {}) };
  await rt.core.chat.rememberLive(liveRow(sent, account.userId, kind, args, span, rt.clock.now()));
}

/**
 * A message an action replaced with a screen that is not kept current stops being redrawn: else
 * the next change would draw the old list or picker back over the answer the person just read.
 */
export async function forgetReplaced(ctx: Ctx, effects: Effect[]): Promise<void> {
  if (ctx.message && !keptCurrent.has(ctx) && effects.some((e) => e.type === 'update')) await forgetLive(ctx);
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

/** The slot a waitlist notice is about (docs/design.md §11), from its payload. */
function waitlistSpan(notice: Notice): LiveSpan | null {
  const { entryId, coachId, startsAt, duration } = notice.payload;
  if (!notice.type.startsWith('waitlist.') || typeof entryId !== 'string' || typeof coachId !== 'string' || typeof startsAt !== 'string' || typeof duration !== 'number') return null;
  const start = new Date(startsAt);
  return { coachId, startsAt: start, endsAt: new Date(start.getTime() + duration * 60_000) };
}

/**
 * Remembers a notice the jobs delivered about a session, or a waitlist offer, so a later change of
 * it redraws the message: an offer is redrawn claimed, passed or expired with its slot.
 */
export async function rememberNotice(rt: BotRuntime, notice: Notice, sent: MessageRef): Promise<void> {
  const offer = waitlistSpan(notice);
  if (offer) {
    const account = await rt.core.chat.accountOf(notice.userId);
    if (account?.isActive) await rt.core.chat.rememberLive(liveRow(sent, notice.userId, 'notice', { notice }, offer, rt.clock.now()));
    return;
  }
  const sessionId = notice.payload.sessionId;
  if (typeof sessionId !== 'string') return;
  const account = await rt.core.chat.accountOf(notice.userId);
  if (!account?.isActive) return;
  const s = await rt.core.sessions.get(await rt.core.access.actorFor(account.userId), sessionId);
  const startsAt = new Date(s.scheduledAt);
  const span = { coachId: s.coachId, sessionId: s.id, startsAt, endsAt: new Date(startsAt.getTime() + s.duration * 60_000) };
  await rt.core.chat.rememberLive(liveRow(sent, notice.userId, 'notice', { notice }, span, rt.clock.now()));
}

/** Notices written with a change of a session (see core's writeNotifications calls). */
const CHANGE_NOTICES = new Set(['booking.confirmed', 'session.created', 'booking.cancelled', 'session.cancelled', 'session.rescheduled', 'session.completed', 'session.no_show']);

/**
 * Redraws what the change behind a notice touches. A change notifies its parties less the one who
 * made it (core's partiesToTell): the coach's copy does the redraw, or the member's when the coach
 * made the change, so one change is redrawn once, however many notices it wrote. A reschedule
 * redraws the time it left (a seat freed there) as well as the one it took.
 */
export async function redrawForNotice(rt: BotRuntime, notice: Notice): Promise<void> {
  // A waitlist change (a seat held, an offer ended) redraws its slot: pickers, and the offer itself.
  const offer = waitlistSpan(notice);
  if (offer) {
    await refreshLive(rt, offer);
    return;
  }
  const { sessionId, actorId, previous } = notice.payload as { sessionId?: unknown; actorId?: unknown; previous?: { scheduledAt?: unknown; duration?: unknown } };
  if (!CHANGE_NOTICES.has(notice.type) || typeof sessionId !== 'string') return;
  const account = await rt.core.chat.accountOf(notice.userId);
  if (!account?.isActive) return;
  const s = await rt.core.sessions.get(await rt.core.access.actorFor(account.userId), sessionId);
  const redrawer = actorId === s.coachId ? s.memberUserId : s.coachId;
  if (notice.userId !== redrawer) return;
  const startsAt = new Date(s.scheduledAt);
  await refreshLive(rt, { coachId: s.coachId, startsAt, endsAt: new Date(startsAt.getTime() + s.duration * 60_000), sessionId: s.id });
  if (typeof previous?.scheduledAt === 'string' && typeof previous.duration === 'number') {
    const left = new Date(previous.scheduledAt);
    await refreshLive(rt, { coachId: s.coachId, startsAt: left, endsAt: new Date(left.getTime() + previous.duration * 60_000) });
  }
}
