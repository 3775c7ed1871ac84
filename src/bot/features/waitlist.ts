import { isDomainError, type ErrorCode } from '../../core/index.ts';
import type { WaitlistEntryView } from '../../core/waitlist/index.ts';
import { BOOKING_MINUTES } from '../booking-request.ts';
import { packId, unpackId, unpackInstant } from '../compact.ts';
import { Refusal, type Ctx, type Viewer } from '../context.ts';
import { ACTION_SENTENCES, sentenceFor } from '../errors.ts';
import { notice, reply, show, type Feature, type VerbUse } from '../feature.ts';
import { clockLabel, dayLabel, localDayNumber, localDaySpan } from '../format.ts';
import { requireMember, type MemberViewer } from '../guards.ts';
import { forgetLive, rememberLive } from '../live.ts';
import { drawOffer, isLiveOffer } from '../offer.ts';
import { button, header, option, row, screen, select, text } from '../ui.ts';
import type { View } from '../view.ts';
import { bookedView, bookingKey, coachOf, slotPicker } from './book.ts';

// The waitlist in chat (docs/design.md §11): "Join waitlist" on a full time of the slot picker,
// /waitlist to see where you stand and leave, and the offer's Claim / Pass. The offer message is
// kept current (src/bot/live.ts) and every button of an ended offer answers with how it ended.

const MAX_OFFER_ROWS = 3;

async function coachName(v: Viewer, coachId: string): Promise<string> {
  if (!v.actor) return 'your coach';
  return (await v.core.coaches.get(v.actor, coachId).catch(() => null))?.name ?? 'your coach';
}

function entryLine(v: Viewer, e: WaitlistEntryView): string {
  const at = `${dayLabel(e.startsAt, v.zone)} ${clockLabel(e.startsAt, v.zone)}`;
  if (isLiveOffer(e, v.now)) return `• ${at} · a seat is held for you until ${clockLabel(e.holdUntil!, v.zone)}`;
  return `• ${at} · number ${e.position ?? '?'} in line`;
}

/** The member's live entries: lines, Claim / Pass for the seats held for them, and a menu to leave. */
export function drawWaitlist(v: Viewer, entries: WaitlistEntryView[], note?: string): View {
  const offers = entries.filter((e) => isLiveOffer(e, v.now)).slice(0, MAX_OFFER_ROWS);
  const at = (e: WaitlistEntryView) => `${dayLabel(e.startsAt, v.zone)} ${clockLabel(e.startsAt, v.zone)}`;
  return screen('Your waitlist', [
    header('Your waitlist'),
    note ? text(note) : null,
    text(
      entries.length ? `Times in ${v.zone}:` : 'You are not waiting for any time. On a full time in /book, tap "Join waitlist".',
      ...entries.slice(0, 20).map((e) => entryLine(v, e)),
    ),
    ...offers.map((e) => row(button(`Claim ${at(e)}`, v.act('wc', packId(e.id)), 'primary'), button('Pass', v.act('wp', packId(e.id))))),
    entries.length > 0 && row(select('Leave the line for…', entries.slice(0, 25).map((e) => option(at(e), v.act('wx', packId(e.id)))))),
    row(button('Book', v.act('bk')), button('My sessions', v.act('ms'))),
  ]);
}

async function waitlist(v: MemberViewer, note?: string): Promise<View> {
  // A member's live entries: one page holds them (joining needs a full slot, and few are full at once).
  return drawWaitlist(v, (await v.core.waitlist.list(v.actor, { limit: 100 })).items, note);
}

function entryArg(args: string[]): string {
  const id = unpackId(args[0] ?? '');
  if (!id) throw new Refusal(ACTION_SENTENCES.malformed);
  return id;
}

const slotSpan = (e: Pick<WaitlistEntryView, 'coachId' | 'startsAt' | 'duration'>) => ({
  coachId: e.coachId,
  startsAt: new Date(e.startsAt),
  endsAt: new Date(new Date(e.startsAt).getTime() + e.duration * 60_000),
});

/** Draws the offer on the message the button came from, kept current with its slot. */
async function showOffer(ctx: Ctx, entry: WaitlistEntryView, note?: string) {
  const v = requireMember(ctx);
  await rememberLive(ctx, 'offer', { entryId: entry.id }, slotSpan(entry));
  return [show(ctx, drawOffer(v, entry, await coachName(v, entry.coachId), note))];
}

/** Refusals that the entry's own state answers: the message is redrawn as the entry is now. */
const OFFER_REFUSALS: readonly ErrorCode[] = ['offer_not_live', 'slot_full', 'slot_unavailable', 'already_booked', 'booking_too_soon'];

async function claim(ctx: Ctx, entryId: string) {
  const v = requireMember(ctx);
  try {
    await v.core.waitlist.claim(v.actor, entryId, bookingKey(ctx), 'bot');
  } catch (error) {
    if (!isDomainError(error) || !OFFER_REFUSALS.includes(error.code)) throw error;
    return [notice(sentenceFor(error)), ...(await showOffer(ctx, await v.core.waitlist.get(v.actor, entryId)))];
  }
  const entry = await v.core.waitlist.get(v.actor, entryId);
  await forgetLive(ctx);
  await ctx.rt.refresh(slotSpan(entry), ctx.message);
  return [show(ctx, bookedView(v, entry.startsAt, await coachName(v, entry.coachId)))];
}

async function pass(ctx: Ctx, entryId: string) {
  const v = requireMember(ctx);
  let entry: WaitlistEntryView;
  try {
    entry = await v.core.waitlist.pass(v.actor, entryId);
  } catch (error) {
    if (!isDomainError(error) || error.code !== 'offer_not_live') throw error;
    return [notice(sentenceFor(error)), ...(await showOffer(ctx, await v.core.waitlist.get(v.actor, entryId)))];
  }
  await ctx.rt.refresh(slotSpan(entry), ctx.message);
  return showOffer(ctx, entry);
}

async function join(ctx: Ctx, startsAt: Date) {
  const v = requireMember(ctx);
  const coach = await coachOf(v);
  const day = localDayNumber(startsAt, v.zone);
  let note: string;
  try {
    const entry = await v.core.waitlist.join(v.actor, { coachId: coach.id, startsAt, duration: BOOKING_MINUTES });
    note = `You are on the waitlist for ${clockLabel(startsAt, v.zone)}, number ${entry.position ?? 1} in line. I will message you if a seat frees up.`;
    // The coach's cards and day showing this time gain the waiting count.
    await ctx.rt.refresh(slotSpan(entry), ctx.message);
  } catch (error) {
    if (!isDomainError(error)) throw error;
    note = sentenceFor(error);
  }
  // The day again, as it is now: the time shows "in line", or bookable when a seat freed meanwhile.
  const view = await slotPicker(v, {}, day, 0, note);
  const span = localDaySpan(day, v.zone);
  await rememberLive(ctx, 'slots', { day, page: 0 }, { coachId: coach.id, startsAt: span.start, endsAt: span.end });
  return [show(ctx, view)];
}

export const WAITLIST_VERBS = {
  wj: 'act',
  wl: 'act',
  wc: 'act',
  wp: 'act',
  wx: 'act',
} as const satisfies Record<string, VerbUse>;

// Registers these verbs for `act()` (see VerbRegistry).
declare module '../context.ts' {
  interface VerbRegistry extends Record<keyof typeof WAITLIST_VERBS, true> {}
}

export const waitlistFeature: Feature<keyof typeof WAITLIST_VERBS> = {
  commands: {
    waitlist: { description: 'Where you stand on waitlists; claim a held seat or leave', audience: 'member', run: async (ctx) => [reply(await waitlist(requireMember(ctx)))] },
  },
  actions: {
    wj: async (ctx, args) => {
      const at = unpackInstant(args[0] ?? '');
      if (!at) throw new Refusal(ACTION_SENTENCES.malformed);
      return join(ctx, at);
    },
    wl: async (ctx) => {
      await forgetLive(ctx);
      return [show(ctx, await waitlist(requireMember(ctx)))];
    },
    wc: async (ctx, args) => claim(ctx, entryArg(args)),
    wp: async (ctx, args) => pass(ctx, entryArg(args)),
    wx: async (ctx, args) => {
      const v = requireMember(ctx);
      const entry = await v.core.waitlist.leave(v.actor, entryArg(args));
      await ctx.rt.refresh(slotSpan(entry), ctx.message);
      return [show(ctx, await waitlist(v, `You left the line for ${dayLabel(entry.startsAt, v.zone)} ${clockLabel(entry.startsAt, v.zone)}.`))];
    },
  },
  live: {
    offer: async (viewer, args) => {
      const v = requireMember(viewer);
      const entry = await v.core.waitlist.get(v.actor, String(args.entryId));
      return drawOffer(v, entry, await coachName(v, entry.coachId));
    },
  },
};

