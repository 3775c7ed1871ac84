import { SLOT_FULL_MESSAGE, isDomainError, type ErrorCode } from '../../core/index.ts';
import { bookSlot, BOOKING_MINUTES } from '../booking-request.ts';
import { packId, packInstant, packInt, unpackId, unpackInstant, unpackInt } from '../compact.ts';
import { Refusal, type Ctx, type Viewer } from '../context.ts';
import { ACTION_SENTENCES, ALREADY_BOOKED_SENTENCE, sentenceFor } from '../errors.ts';
import { show, reply, type Feature, type VerbUse } from '../feature.ts';
import { clockLabel, creditsLine, dayLabel, localDayNumber, localDaySpan, spanLabel, type CreditsShown } from '../format.ts';
import { creditsOf } from './credits.ts';
import { requireMember, type MemberViewer } from '../guards.ts';
import { forgetLive, rememberLive } from '../live.ts';
import { openSlotAt, openSlots, slotsWithFull } from '../slots.ts';
import { button, buttonRows, fields, header, option, row, screen, select, text } from '../ui.ts';
import type { View } from '../view.ts';
import type { Slot } from '../../core/availability/index.ts';
import type { BookingSeriesView } from '../../core/bookings/index.ts';
import { assertCanReschedule } from '../../core/sessions/index.ts';
import { sessionStillFor } from './member.ts';

// Booking (the seed's booking page): day → slots with seats left → confirm → confirmation. The
// same pickers serve a reschedule, carrying the session being moved. Slot pickers and the confirm
// screen are kept current: a seat taken elsewhere redraws them in place.

const DAYS_AHEAD = 14;
const SLOTS_PER_PAGE = 20;

/** A booking, or the move of an existing session to another slot. */
export interface PickMode {
  sessionId?: string;
}

const verbs = (p: PickMode) => (p.sessionId ? ({ day: 'rd', slot: 'rs', confirm: 'rx', days: 'rb' } as const) : ({ day: 'bd', slot: 'bs', confirm: 'bc', days: 'bk' } as const));
const lead = (p: PickMode) => (p.sessionId ? [packId(p.sessionId)] : []);

export interface Coach {
  id: string;
  name: string;
  timezone: string;
}

export async function coachOf(v: MemberViewer): Promise<Coach> {
  if (!v.account.coachId) throw new Refusal("You don't have a coach yet. Ask an admin to assign one, then try /book again.");
  const coach = await v.core.coaches.get(v.actor, v.account.coachId);
  return { id: coach.id, name: coach.name, timezone: coach.timezone };
}

export async function dayPicker(v: MemberViewer, p: PickMode, note?: string): Promise<View> {
  const coach = await coachOf(v);
  const today = localDayNumber(v.now, v.zone);
  const from = localDaySpan(today, v.zone).start;
  const to = localDaySpan(today + DAYS_AHEAD, v.zone).end;
  const held = await heldTimes(v, from, to);
  // A booking's days include those whose times are all full: their waitlists can be joined.
  const listed = p.sessionId ? await openSlots(v, coach.id, from, to) : await slotsWithFull(v, coach.id, from, to);
  const slots = listed.filter((s) => !held.has(Date.parse(s.startsAt)));
  const perDay = new Map<number, number>();
  for (const s of slots) {
    const day = localDayNumber(s.startsAt, v.zone);
    perDay.set(day, (perDay.get(day) ?? 0) + (s.availableCapacity > 0 ? 1 : 0));
  }
  return drawDayPicker(v, p, coach.name, [...perDay.entries()].sort(([a], [b]) => a - b), note);
}

/** Days (the viewer's local day numbers) with how many free times each. */
export function drawDayPicker(v: Viewer, p: PickMode, coachName: string, days: [number, number][], note?: string): View {
  const title = p.sessionId ? 'Move your session' : `Book a session with ${coachName}`;
  return screen(title, [
    header(title),
    note ? text(note) : null,
    text(days.length ? `Choose a day. Times are in ${v.zone}.` : `No free times in the next ${DAYS_AHEAD} days. Please check again later.`),
    days.length > 0 &&
      row(
        select(
          'Choose a day',
          days.slice(0, 25).map(([day, count]) =>
            option(
              `${dayLabel(localDaySpan(day, v.zone).start, v.zone)} · ${count > 0 ? `${count} time${count === 1 ? '' : 's'}` : 'full · waitlist'}`,
              v.act(verbs(p).day, ...lead(p), packInt(day), '0'),
            ),
          ),
        ),
      ),
  ]);
}

/** Start instants of the member's own scheduled sessions in [from, to): shown as theirs, never offered. */
async function heldTimes(v: MemberViewer, from: Date, to: Date): Promise<Set<number>> {
  const page = await v.core.sessions.list(v.actor, { memberId: v.account.memberId, status: 'scheduled', from, to, limit: 100 });
  return new Set(page.items.map((s) => new Date(s.scheduledAt).getTime()));
}

export async function slotPicker(v: MemberViewer, p: PickMode, day: number, page: number, note?: string): Promise<View> {
  const coach = await coachOf(v);
  const span = localDaySpan(day, v.zone);
  const held = await heldTimes(v, span.start, span.end);
  // Booking shows full times too, to join their waitlist (docs/design.md §11); a move offers free ones only.
  const listed = p.sessionId ? await openSlots(v, coach.id, span.start, span.end) : await slotsWithFull(v, coach.id, span.start, span.end);
  const lines = p.sessionId ? new Map<number, WaitState>() : await waitStates(v, coach.id);
  const open = listed
    .filter((s) => !held.has(Date.parse(s.startsAt)))
    .map((s) => (s.availableCapacity > 0 ? s : { ...s, waitlist: lines.get(Date.parse(s.startsAt)) ?? ('join' as const) }));
  const slots = [...open, ...[...held].map((t) => ({ startsAt: new Date(t).toISOString(), availableCapacity: 0, yours: true }))];
  slots.sort((a, b) => Date.parse(a.startsAt) - Date.parse(b.startsAt));
  return drawSlotPicker(v, p, { day, page, coachName: coach.name, slots }, note);
}

/** Where the member stands on a full time's waitlist: may join it, is in line, or a seat is held for them. */
export type WaitState = 'join' | 'waiting' | 'offered';

/** A time on the picker: a free slot, one the member already holds (`yours`), or a full one (`waitlist`). */
export type PickerSlot = Pick<Slot, 'startsAt' | 'availableCapacity'> & { yours?: boolean; waitlist?: WaitState };

/** The member's live waitlist entries with this coach, by start instant. */
async function waitStates(v: MemberViewer, coachId: string): Promise<Map<number, WaitState>> {
  const { items: entries } = await v.core.waitlist.list(v.actor, { coachId, limit: 100 });
  return new Map(entries.map((e) => [new Date(e.startsAt).getTime(), e.status === 'offered' ? 'offered' : 'waiting']));
}

/** One day's free slots as buttons (20 to a page), each carrying its start instant; the member's own are shown as theirs. */
export function drawSlotPicker(v: Viewer, p: PickMode, d: { day: number; page: number; coachName: string; slots: PickerSlot[] }, note?: string): View {
  const { day, page, slots } = d;
  const span = localDaySpan(day, v.zone);
  const pages = Math.max(1, Math.ceil(slots.length / SLOTS_PER_PAGE));
  const at = Math.min(page, pages - 1);
  const shown = slots.slice(at * SLOTS_PER_PAGE, (at + 1) * SLOTS_PER_PAGE);
  const vb = verbs(p);
  const nav = [button('← Days', v.act(vb.days, ...lead(p)))];
  if (at > 0) nav.push(button('Earlier', v.act(vb.day, ...lead(p), packInt(day), packInt(at - 1))));
  if (at < pages - 1) nav.push(button('Later', v.act(vb.day, ...lead(p), packInt(day), packInt(at + 1))));
  const title = `${dayLabel(span.start, v.zone)} with ${d.coachName}`;
  return screen(title, [
    header(title),
    note ? text(note) : null,
    text(shown.length ? `Times in ${v.zone}, ${BOOKING_MINUTES} minutes each. Pick one:` : 'No free times left on this day. Please choose another day.'),
    ...buttonRows(
      shown.map((s) => {
        const at = clockLabel(s.startsAt, v.zone);
        if (s.yours) return button(`${at} · yours`, v.act('ms'));
        if (s.waitlist === 'join') return button(`${at} · full · Join waitlist`, v.act('wj', packInstant(s.startsAt)));
        // The time rides along (unused by /waitlist) so that no two buttons of the message share a token.
        if (s.waitlist === 'waiting') return button(`${at} · full · in line`, v.act('wl', packInstant(s.startsAt)));
        if (s.waitlist === 'offered') return button(`${at} · held for you`, v.act('wl', packInstant(s.startsAt)));
        return button(`${at} · ${s.availableCapacity} left`, v.act(vb.slot, ...lead(p), packInstant(s.startsAt)));
      }),
      4,
    ),
    row(...nav),
  ]);
}

export async function confirmScreen(v: MemberViewer, p: PickMode, startsAt: Date): Promise<View> {
  const coach = await coachOf(v);
  const day = localDayNumber(startsAt, v.zone);
  if ((await heldTimes(v, startsAt, new Date(startsAt.getTime() + 60_000))).has(startsAt.getTime())) return slotPicker(v, p, day, 0, ALREADY_BOOKED_SENTENCE);
  const slot = await openSlotAt(v, coach.id, startsAt);
  if (!slot) return slotPicker(v, p, day, 0, SLOT_FULL_MESSAGE);
  return drawConfirm(v, p, startsAt, coach.name, slot.availableCapacity);
}

export function drawConfirm(v: Viewer, p: PickMode, startsAt: Date, coachName: string, seatsLeft: number): View {
  const vb = verbs(p);
  const title = p.sessionId ? 'Move your session here?' : 'Confirm your booking';
  return screen(title, [
    header(title),
    fields([
      ['When', spanLabel(startsAt, BOOKING_MINUTES, v.zone)],
      ['Coach', coachName],
      ['Seats left', String(seatsLeft)],
    ]),
    row(
      button(p.sessionId ? 'Move it here' : 'Confirm booking', v.act(vb.confirm, ...lead(p), packInstant(startsAt)), 'primary'),
      button('Back', v.act(vb.day, ...lead(p), packInt(localDayNumber(startsAt, v.zone)), '0')),
    ),
  ]);
}

function parsePick(args: string[], withSession: boolean): { pick: PickMode; rest: string[] } {
  if (!withSession) return { pick: {}, rest: args };
  const sessionId = unpackId(args[0] ?? '');
  if (!sessionId) throw new Refusal(ACTION_SENTENCES.malformed);
  return { pick: { sessionId }, rest: args.slice(1) };
}

function dayArgs(rest: string[]): { day: number; page: number } {
  const day = unpackInt(rest[0] ?? '', 200_000);
  const page = unpackInt(rest[1] ?? '0', 100);
  if (day === null || page === null) throw new Refusal(ACTION_SENTENCES.malformed);
  return { day, page };
}

function instantArg(rest: string[]): Date {
  const at = unpackInstant(rest[0] ?? '');
  if (!at) throw new Refusal(ACTION_SENTENCES.malformed);
  return at;
}

/** Live drawers get the args remembered by the handlers below. */
const liveArgs = {
  slots: (p: PickMode, day: number, page: number, note?: string) => ({ ...p, day, page, ...(note ? { note } : {}) }),
};

async function showSlots(ctx: Ctx, p: PickMode, day: number, page: number, note?: string) {
  const v = requireMember(ctx);
  const view = await slotPicker(v, p, day, page, note);
  const span = localDaySpan(day, v.zone);
  await rememberLive(ctx, 'slots', liveArgs.slots(p, day, page), { coachId: v.account.coachId!, startsAt: span.start, endsAt: span.end });
  return [show(ctx, view)];
}

async function showConfirm(ctx: Ctx, p: PickMode, startsAt: Date) {
  const v = requireMember(ctx);
  const view = await confirmScreen(v, p, startsAt);
  await rememberLive(ctx, 'confirm', { ...p, startsAt: startsAt.toISOString() }, {
    coachId: v.account.coachId!,
    startsAt,
    endsAt: new Date(startsAt.getTime() + BOOKING_MINUTES * 60_000),
  });
  return [show(ctx, view)];
}

/** Refusals of the slot itself, answered by redrawing the day. */
const SLOT_REFUSALS: readonly ErrorCode[] = ['slot_full', 'slot_unavailable', 'booking_too_soon', 'already_booked'];

/** The booked or moved-to slot refused (full, taken): redraw the day with the reason. */
async function refusedSlot(ctx: Ctx, p: PickMode, startsAt: Date, error: unknown) {
  if (!isDomainError(error) || !SLOT_REFUSALS.includes(error.code)) throw error;
  const v = requireMember(ctx);
  return showSlots(ctx, p, localDayNumber(startsAt, v.zone), 0, sentenceFor(error));
}

/**
 * The confirmation of a booking or a move. A new booking (its session given) offers to make it
 * weekly: the same wall time every week, this session the first of 4, 8 or 12 (docs/design.md §9).
 * With the member's credits, what is left (docs/design.md §12).
 */
export function bookedView(v: Viewer, startsAt: Date | string, coachName: string, moved = false, sessionId?: string, credits: CreditsShown | null = null): View {
  const title = moved ? 'Session moved ✓' : 'Booked ✓';
  return screen(`${title} ${spanLabel(startsAt, BOOKING_MINUTES, v.zone)}`, [
    header(title),
    text(`Your session with ${coachName} is on ${spanLabel(startsAt, BOOKING_MINUTES, v.zone)}.`, 'You will get a reminder before it starts.', creditsLine(credits, v.zone) ?? ''),
    !moved && sessionId ? text('Make it weekly, same time every week:') : null,
    !moved && sessionId
      ? row(...WEEKLY_COUNTS.map((n, i) => button(i === 0 ? `Every week: ${n} sessions` : `${n} sessions`, v.act('bw', packId(sessionId), packInt(n)))))
      : null,
    row(button('My sessions', v.act('ms')), button('Book another', v.act('bk'))),
  ]);
}

/** How many weekly sessions the confirmation offers (the booked one the first). */
export const WEEKLY_COUNTS = [4, 8, 12] as const;

/** Why an occurrence of a weekly series was not booked, in a few words. */
const OCCURRENCE_REASONS: Partial<Record<ErrorCode, string>> = {
  slot_full: 'full',
  slot_unavailable: 'taken',
  already_booked: 'you already have it',
  nonexistent_time: 'the clocks skip that time',
  outside_availability: "outside your coach's hours",
  booking_too_soon: 'too soon',
  booking_too_far_ahead: 'too far ahead to book yet',
};

/** The answer to "every week": each occurrence booked, or why not. */
export function drawWeekly(v: Viewer, s: Pick<BookingSeriesView, 'booked' | 'count' | 'duration' | 'occurrences'>, coachName: string): View {
  const title = s.booked === s.count ? `Every week ✓ ${s.count} sessions` : `Every week: ${s.booked} of ${s.count} booked`;
  return screen(title, [
    header(title),
    text(`With ${coachName}, times in ${v.zone}:`),
    text(
      ...s.occurrences.map((o) => {
        const at = o.session?.scheduledAt ?? o.startsAt;
        const when = at ? spanLabel(at, s.duration, v.zone) : `${o.date} ${o.time}`;
        return o.status === 'booked' ? `✓ ${o.position}. ${when}` : `✗ ${o.position}. ${when}: ${(o.reason && OCCURRENCE_REASONS[o.reason]) ?? 'not available'}`;
      }),
    ),
    row(button('My sessions', v.act('ms')), button('Book another', v.act('bk'))),
  ]);
}

/** Makes the session just booked the first of `count` weekly ones (one series per drawn button: a double tap books once). */
async function weekly(ctx: Ctx, sessionId: string, count: number) {
  const v = requireMember(ctx);
  const coach = await coachOf(v);
  const s = await v.core.sessions.get(v.actor, sessionId);
  if (s.series) return [show(ctx, drawWeekly(v, await v.core.bookingSeries.get(v.actor, s.series.id), coach.name))];
  if (s.status !== 'scheduled') throw new Refusal('That session is no longer booked. Use /book to book again.');
  let series;
  try {
    series = await v.core.bookingSeries.create(
      v.actor,
      { coachId: s.coachId, startsAt: new Date(s.scheduledAt), count, duration: s.duration, firstSessionId: s.id },
      bookingKey(ctx),
      'bot',
    );
  } catch (error) {
    // Another tap made it weekly meanwhile: answer that series.
    const now = await v.core.sessions.get(v.actor, sessionId);
    if (!now.series) throw error;
    return [show(ctx, drawWeekly(v, await v.core.bookingSeries.get(v.actor, now.series.id), coach.name))];
  }
  const first = new Date(s.scheduledAt);
  const last = new Date(first.getTime() + (count * 7 + 1) * 86_400_000);
  await ctx.rt.refresh({ coachId: s.coachId, startsAt: first, endsAt: last }, ctx.message);
  return [show(ctx, drawWeekly(v, series, coach.name))];
}

/**
 * One booking per drawn Confirm button: a double tap is two deliveries of one signed token (signed
 * for this viewer, so the token alone names who and which slot), and books once.
 */
export function bookingKey(ctx: Ctx): string {
  return `chat:${ctx.user.platform}:${ctx.user.scope}:${ctx.action ? `a:${ctx.action}` : `d:${ctx.deliveryId}`}`;
}

async function book(ctx: Ctx, startsAt: Date) {
  const v = requireMember(ctx);
  const coach = await coachOf(v);
  let booked;
  try {
    booked = await bookSlot(v.core, v.actor, { memberId: v.account.memberId, coachId: coach.id, coachTimezone: coach.timezone, startsAt }, bookingKey(ctx));
  } catch (error) {
    return refusedSlot(ctx, {}, startsAt, error);
  }
  await forgetLive(ctx);
  await ctx.rt.refresh({ coachId: coach.id, startsAt, endsAt: new Date(startsAt.getTime() + BOOKING_MINUTES * 60_000) }, ctx.message);
  return [show(ctx, bookedView(v, startsAt, coach.name, false, booked.sessionId ?? undefined, await creditsOf(v)))];
}

async function move(ctx: Ctx, sessionId: string, startsAt: Date) {
  const v = requireMember(ctx);
  const before = await v.core.sessions.get(v.actor, sessionId);
  try {
    await v.core.sessions.reschedule(v.actor, sessionId, { scheduledAt: startsAt });
  } catch (error) {
    return refusedSlot(ctx, { sessionId }, startsAt, error);
  }
  await forgetLive(ctx);
  const old = new Date(before.scheduledAt);
  await ctx.rt.refresh({ coachId: before.coachId, startsAt: old, endsAt: new Date(old.getTime() + before.duration * 60_000), sessionId }, ctx.message);
  await ctx.rt.refresh({ coachId: before.coachId, startsAt, endsAt: new Date(startsAt.getTime() + before.duration * 60_000) }, ctx.message);
  return [show(ctx, bookedView(v, startsAt, before.coachName ?? 'your coach', true, undefined, await creditsOf(v)))];
}

export const BOOKING_VERBS = {
  bk: 'act',
  bd: 'act',
  bs: 'act',
  bc: 'act',
  sr: 'act',
  rb: 'act',
  rd: 'act',
  rs: 'act',
  rx: 'act',
  bw: 'act',
} as const satisfies Record<string, VerbUse>;

// Registers these verbs for `act()` (see VerbRegistry).
declare module '../context.ts' {
  interface VerbRegistry extends Record<keyof typeof BOOKING_VERBS, true> {}
}

export const booking: Feature<keyof typeof BOOKING_VERBS> = {
  commands: {
    book: { description: 'Book a session', audience: 'member', run: async (ctx) => [reply(await dayPicker(requireMember(ctx), {}))] },
  },
  actions: {
    bk: async (ctx) => [show(ctx, await dayPicker(requireMember(ctx), {}))],
    bd: async (ctx, args) => {
      const { day, page } = dayArgs(args);
      return showSlots(ctx, {}, day, page);
    },
    bs: async (ctx, args) => showConfirm(ctx, {}, instantArg(args)),
    bc: async (ctx, args) => book(ctx, instantArg(args)),
    // The same steps when moving a session (from /sessions or a reminder's Reschedule button).
    sr: async (ctx, args) => {
      const v = requireMember(ctx);
      const { pick } = parsePick(args, true);
      await sessionStillFor(v, pick.sessionId!, (f) => assertCanReschedule(f, v.now, true));
      return [show(ctx, await dayPicker(v, pick))];
    },
    rb: async (ctx, args) => [show(ctx, await dayPicker(requireMember(ctx), parsePick(args, true).pick))],
    rd: async (ctx, args) => {
      const { pick, rest } = parsePick(args, true);
      const { day, page } = dayArgs(rest);
      return showSlots(ctx, pick, day, page);
    },
    rs: async (ctx, args) => {
      const { pick, rest } = parsePick(args, true);
      return showConfirm(ctx, pick, instantArg(rest));
    },
    rx: async (ctx, args) => {
      const { pick, rest } = parsePick(args, true);
      return move(ctx, pick.sessionId!, instantArg(rest));
    },
    bw: async (ctx, args) => {
      const sessionId = unpackId(args[0] ?? '');
      const count = unpackInt(args[1] ?? '', 26);
      if (!sessionId || count === null || count < 2) throw new Refusal(ACTION_SENTENCES.malformed);
      return weekly(ctx, sessionId, count);
    },
  },
  live: {
    slots: async (viewer, args) =>
      slotPicker(requireMember(viewer), { ...(typeof args.sessionId === 'string' ? { sessionId: args.sessionId } : {}) }, Number(args.day), Number(args.page)),
    confirm: async (viewer, args) =>
      confirmScreen(requireMember(viewer), { ...(typeof args.sessionId === 'string' ? { sessionId: args.sessionId } : {}) }, new Date(String(args.startsAt))),
  },
};
