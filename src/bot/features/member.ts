import { assertCanCancel, assertCanRate, type LastTimeView, type LifecycleFacts, type SessionView } from '../../core/sessions/index.ts';
import { lastTimeBlocks } from '../continuity.ts';
import { packId, packInt, unpackId, unpackInt } from '../compact.ts';
import { Refusal, type Ctx, type Viewer } from '../context.ts';
import { ACTION_SENTENCES } from '../errors.ts';
import { notice, openForm, reply, show, update, type Feature, type FormDraw, type VerbUse } from '../feature.ts';
import { keepCurrent } from '../live.ts';
import { reminderRow } from '../presenter.ts';
import { countdown, creditsLine, spanLabel, type CreditsShown } from '../format.ts';
import { creditsOf } from './credits.ts';
import { requireMember, type CoachViewer, type MemberViewer } from '../guards.ts';
import { button, divider, editInput, fields, form, header, input, row, screen, text } from '../ui.ts';
import type { Form, View } from '../view.ts';
import type { MemberDashboard } from '../../core/dashboards/service.ts';
import type { MemberView } from '../../core/members/index.ts';
import { hasLaterOccurrences, scheduledFrom } from '../series.ts';
import { noticesLine } from './links.ts';

// The member's own pages: upcoming sessions (cancel with a reason, reschedule), the next session
// with a countdown, the profile, and rating finished sessions.

const LISTED = 4;
/** How far ahead a kept-current list looks for changes: the booking horizon and more. */
const LIST_SPAN_MS = 90 * 86_400_000;

export function sessionIdArg(args: string[]): string {
  const id = unpackId(args[0] ?? '');
  if (!id) throw new Refusal(ACTION_SENTENCES.malformed);
  return id;
}

/** A session as core's lifecycle rules read it, so a button is offered (and honoured) only when core would accept it. */
function factsOf(s: Pick<SessionView, 'status' | 'scheduledAt' | 'rating'>): LifecycleFacts {
  return { status: s.status, scheduledAt: new Date(s.scheduledAt), rating: s.rating };
}

/**
 * The session a button is about, refused with core's own sentence when it is no longer in the state
 * the button assumed (cancelled, started, rated): before any form opens, so nothing typed is lost.
 */
export async function sessionStillFor(v: MemberViewer | CoachViewer, id: string, rule: (facts: LifecycleFacts) => void): Promise<SessionView> {
  const s = await v.core.sessions.get(v.actor, id);
  rule(factsOf(s));
  return s;
}

export function spanOf(s: Pick<SessionView, 'coachId' | 'scheduledAt' | 'duration' | 'id'>) {
  const startsAt = new Date(s.scheduledAt);
  return { coachId: s.coachId, startsAt, endsAt: new Date(startsAt.getTime() + s.duration * 60_000), sessionId: s.id };
}

/** The member's list on the message the action came from (or a new one), kept current, with a note above it. */
export async function showSessions(ctx: Ctx, note?: string) {
  return showList(ctx, 'sessions', (v) => mySessions(v, note));
}

async function mySessions(v: MemberViewer, note?: string): Promise<View> {
  return drawMySessions(v, await v.core.sessions.listUpcoming(v.actor, { limit: LISTED }), note);
}

export function drawMySessions(v: Viewer, all: SessionView[], note?: string): View {
  const upcoming = all.slice(0, LISTED);
  return screen('Your upcoming sessions', [
    header('Your upcoming sessions'),
    note ? text(note) : null,
    text(upcoming.length ? `Times in ${v.zone}.` : 'No sessions booked. Use /book to book one.'),
    ...upcoming.map((s) =>
      row(
        // A weekly series' session asks first: this one, or it and every later one (series-cancel.ts).
        button(`Cancel ${spanLabel(s.scheduledAt, s.duration, v.zone).replace(/ \(.*\)$/, '')}`, v.act(hasLaterOccurrences(s) ? 'lc' : 'sc', packId(s.id)), 'danger'),
        button('Reschedule', v.act('sr', packId(s.id))),
      ),
    ),
    upcoming.length === 0 ? row(button('Book a session', v.act('bk'), 'primary')) : null,
  ]);
}

export async function next(v: MemberViewer): Promise<View> {
  const dash = await v.core.dashboards.member(v.actor);
  const [last, credits] = await Promise.all([v.core.sessions.lastTime(v.actor, dash.nextSession?.id), creditsOf(v)]);
  return drawNext(v, dash, last, credits);
}

export function drawNext(v: Viewer, dash: MemberDashboard, last: LastTimeView | null = null, credits: CreditsShown | null = null): View {
  const s = dash.nextSession;
  const balance = creditsLine(credits, v.zone);
  return screen(s ? `Next session ${countdown(v.now, s.scheduledAt)}` : 'No upcoming session', [
    header(s ? `Your next session is ${countdown(v.now, s.scheduledAt)}` : 'No upcoming session'),
    s ? text(`With ${s.coachName}, ${spanLabel(s.scheduledAt, s.duration, v.zone)}.`) : text('Use /book to book one.'),
    balance ? text(balance) : null,
    dash.upcomingSessions.length > 1 ? divider() : null,
    dash.upcomingSessions.length > 1 ? fields(dash.upcomingSessions.map((u, i) => [`#${i + 1}`, `${spanLabel(u.scheduledAt, u.duration, v.zone)} with ${u.coachName}`])) : null,
    last ? divider() : null,
    ...lastTimeBlocks(v, last, { forCoach: false, doneButtons: true }),
    row(button('Book', v.act('bk'), 'primary'), button('My sessions', v.act('ms'))),
  ]);
}

async function profile(v: MemberViewer): Promise<View> {
  const [m, notices] = await Promise.all([v.core.members.get(v.actor, v.account.memberId), noticesLine(v)]);
  return drawProfile(v, m, notices);
}

export function drawProfile(v: Viewer, m: Pick<MemberView, 'membershipStatus' | 'goals'> & { user: { name: string; timezone: string }; coach: { name: string } | null }, notices?: string): View {
  return screen('Your profile', [
    header('Your profile'),
    fields([
      ['Name', m.user.name],
      ['Time zone', m.user.timezone],
      ['Coach', m.coach?.name ?? 'none yet'],
      ['Membership', m.membershipStatus],
      ['Goals', m.goals],
      ...(notices ? ([['Notices go to', notices]] as [string, string][]) : []),
    ]),
    row(button('Edit', v.act('pe')), button('Send notices here', v.act('nh'))),
  ]);
}

async function rateList(v: MemberViewer): Promise<View> {
  const page = await v.core.sessions.list(v.actor, { memberId: v.account.memberId, status: 'completed', from: new Date(v.now.getTime() - 60 * 86_400_000), limit: 50 });
  return drawRateList(v, page.items.filter((s) => s.rating === null));
}

export function drawRateList(v: Viewer, all: SessionView[]): View {
  const unrated = all.slice(-LISTED);
  return screen('Rate your sessions', [
    header('Rate your sessions'),
    text(unrated.length ? `Pick 1 to 5 stars. Times in ${v.zone}.` : 'Nothing to rate right now. Thank you!'),
    ...unrated.flatMap((s) => [
      text(`With ${s.coachName}, ${spanLabel(s.scheduledAt, s.duration, v.zone)}`),
      row(...[1, 2, 3, 4, 5].map((n) => button('★'.repeat(n), v.act('rt', packId(s.id), packInt(n))))),
    ]),
  ]);
}

/** The stars chosen, then optional feedback; drawn from the action's arguments alone. */
function rateForm(args: string[], d: FormDraw): Form {
  const rating = unpackInt(args[1] ?? '', 5);
  return form(rating ? `Rate: ${'★'.repeat(rating)}` : 'Rate your session', d.submit, 'Send rating', [
    input('feedback', 'Feedback (optional)', { style: 'paragraph', maxLength: 2000 }),
  ]);
}

/** Cancel a session with an optional reason; a member's and a coach's alike. */
export function cancelForm(_args: string[], d: FormDraw): Form {
  return form('Cancel session', d.submit, 'Cancel session', [input('reason', 'Reason (optional)', { style: 'paragraph', maxLength: 500 })]);
}

function profileForm(_args: string[], d: FormDraw): Form {
  return form('Your profile', d.submit, 'Save', [
    editInput(d, 'name', 'Name', { required: true, maxLength: 100 }),
    editInput(d, 'timezone', 'Time zone', { required: true, maxLength: 64 }),
    editInput(d, 'goals', 'Goals', { style: 'paragraph', maxLength: 2000 }),
  ]);
}

async function cancelSession(ctx: Ctx, sessionId: string, reason: string | undefined, answer: (v: MemberViewer, s: SessionView) => Promise<View> | View) {
  const v = requireMember(ctx);
  const s = await v.core.sessions.cancel(v.actor, sessionId, reason ? { reason } : {});
  await ctx.rt.refresh(spanOf(s), ctx.message);
  return [show(ctx, await answer(v, s))];
}

/**
 * A member's session list kept current on the message it is drawn on, typed or from a button:
 * remembered over their coach's calendar from now on, so any change of their sessions redraws it
 * (a cancelled one leaves the list, and its buttons with it).
 */
async function showList(ctx: Ctx, kind: 'sessions' | 'next', draw: (v: MemberViewer) => Promise<View>) {
  const v = requireMember(ctx);
  const answer = show(ctx, await draw(v));
  if (!v.account.coachId) return [answer];
  return [await keepCurrent(ctx, answer, kind, {}, { coachId: v.account.coachId, startsAt: v.now, endsAt: new Date(v.now.getTime() + LIST_SPAN_MS) })];
}

/**
 * The sentence a member reads before cancelling from the coach's cut-off on: whether it will use a
 * session from the package. Null before the cut-off.
 */
export function lateWarning(v: Viewer, s: Pick<SessionView, 'cancellation' | 'scheduledAt'>): string | null {
  const cutoff = new Date(s.cancellation.cutoffAt);
  if (v.now.getTime() < cutoff.getTime()) return null;
  const hours = Math.round((new Date(s.scheduledAt).getTime() - cutoff.getTime()) / 3_600_000);
  return s.cancellation.consumesCredit
    ? `This is within ${hours} h of the session: it will use a session from your package.`
    : `This is within ${hours} h of the session: it is recorded as a late cancellation.`;
}

/** The argument a cancel carries once its member has read the late-cancellation warning. */
const ACK = 'y';

/** "Cancel this session?", with the late-cancellation warning from the cut-off on; Yes carries ACK when it was shown. */
function confirmCancel(ctx: Ctx, v: MemberViewer, s: SessionView, withReason = false, later = 0) {
  const when = spanLabel(s.scheduledAt, s.duration, v.zone);
  const warning = lateWarning(v, s);
  // From the list's Cancel, the reason form follows; from a reminder, the cancel itself.
  const yes = withReason
    ? button('Cancel anyway', v.act('sc', packId(s.id), ACK), 'danger')
    : button('Yes, cancel it', v.act('sY', packId(s.id), ...(warning ? [ACK] : [])), 'danger');
  return show(ctx, screen('Cancel this session?', [
    header('Cancel this session?'),
    text(`Your session with ${s.coachName} on ${when} will be cancelled and its seat freed.`, warning ?? ''),
    row(yes, button('Keep it', v.act('rc', packId(s.id)))),
    later > 1 ? row(button(`Cancel this and all later ones (${later} sessions)`, v.act('lx', packId(s.id)), 'danger')) : null,
  ]));
}

/** The confirmation again when a cancel reaches the cut-off without its member having read the warning; null otherwise. */
async function unwarnedLate(ctx: Ctx, args: string[]) {
  if (args[1] === ACK) return null;
  const v = requireMember(ctx);
  const s = await v.core.sessions.get(v.actor, sessionIdArg(args));
  return s.status === 'scheduled' && lateWarning(v, s) ? confirmCancel(ctx, v, s) : null;
}

/**
 * A commitment marked done: every message kept current that shows it is redrawn, on every
 * platform: the session it came from (its card), the member's next session (its card and
 * reminders) and the member's own /next and /sessions (kept over their coach's calendar from now on).
 */
async function refreshProgress(ctx: Ctx, v: MemberViewer, s: SessionView): Promise<void> {
  await ctx.rt.refresh(spanOf(s));
  const [upcoming] = await v.core.sessions.listUpcoming(v.actor, { limit: 1 });
  await ctx.rt.refresh({ coachId: upcoming?.coachId ?? s.coachId, startsAt: v.now, endsAt: new Date(v.now.getTime() + 60_000), ...(upcoming ? { sessionId: upcoming.id } : {}) });
}

const cancelled = (v: Viewer, s: SessionView) =>
  screen('Session cancelled', [header('Session cancelled'), text(`Your session on ${spanLabel(s.scheduledAt, s.duration, v.zone)} is cancelled and its seat freed.`), row(button('Book another', v.act('bk')))]);

export const MEMBER_VERBS = {
  ms: 'act',
  nx: 'act',
  sc: { submit: 'sC', for: 'member', draw: cancelForm },
  sC: 'submit',
  rc: 'act',
  sy: 'act',
  sY: 'act',
  pe: { submit: 'pE', for: 'member', keeps: ['name', 'timezone', 'goals'], draw: profileForm },
  pE: 'submit',
  rt: { submit: 'rf', for: 'member', draw: rateForm },
  rf: 'submit',
  cd: 'act',
} as const satisfies Record<string, VerbUse>;

// Registers these verbs for `act()` (see VerbRegistry).
declare module '../context.ts' {
  interface VerbRegistry extends Record<keyof typeof MEMBER_VERBS, true> {}
}

export const member: Feature<keyof typeof MEMBER_VERBS> = {
  commands: {
    sessions: { description: 'Your upcoming sessions (cancel, reschedule)', audience: 'member', run: async (ctx) => showList(ctx, 'sessions', mySessions) },
    next: { description: 'Your next session', audience: 'member', run: async (ctx) => showList(ctx, 'next', next) },
    rate: { description: 'Rate a finished session', audience: 'member', run: async (ctx) => [reply(await rateList(requireMember(ctx)))] },
    profile: { description: 'Your profile', audience: 'member', run: async (ctx) => [reply(await profile(requireMember(ctx)))] },
  },
  actions: {
    ms: async (ctx) => showList(ctx, 'sessions', mySessions),
    nx: async (ctx) => showList(ctx, 'next', next),
    // Cancel with a reason: the form, then the cancel.
    sc: async (ctx, args) => {
      const v = requireMember(ctx);
      const id = sessionIdArg(args);
      const s = await sessionStillFor(v, id, (f) => assertCanCancel(f, v.now, true));
      // Told before confirming: from the cut-off on, the warning first (docs/design.md §12).
      if (lateWarning(v, s) && args[1] !== ACK) return [confirmCancel(ctx, v, s, true)];
      return [openForm(ctx, MEMBER_VERBS.sc, [packId(id), ...(args[1] === ACK ? [ACK] : [])])];
    },
    sC: async (ctx, args, values) => {
      // A form opened at once by the platform (before the bot could warn) is warned now.
      const late = await unwarnedLate(ctx, args);
      if (late) return [late];
      return cancelSession(ctx, sessionIdArg(args), values.reason?.trim() || undefined, cancelled);
    },
    // A reminder's answers.
    rc: async (ctx, args) => {
      const v = requireMember(ctx);
      const s = await v.core.sessions.get(v.actor, sessionIdArg(args));
      if (s.status !== 'scheduled') return [notice(`This session is ${s.status}.`)];
      const seeYou = `See you ${countdown(v.now, s.scheduledAt)}!`;
      // From the cancel question's "Keep it", the message becomes the reminder's answers again.
      const kept = screen(seeYou, [header(seeYou), text(`With ${s.coachName}, ${spanLabel(s.scheduledAt, s.duration, v.zone)}.`), reminderRow(v, s.id)]);
      return ctx.message ? [update(kept), notice(seeYou)] : [notice(seeYou)];
    },
    // "Can't make it" on a reminder cancels only once confirmed: a slip of the thumb frees no seat.
    sy: async (ctx, args) => {
      const v = requireMember(ctx);
      const s = await sessionStillFor(v, sessionIdArg(args), (f) => assertCanCancel(f, v.now, true));
      // A weekly series' session also offers it and every later one (series-cancel.ts confirms which).
      const later = s.series && hasLaterOccurrences(s) ? scheduledFrom(await v.core.bookingSeries.get(v.actor, s.series.id), s.series.position).length : 0;
      return [confirmCancel(ctx, v, s, false, later)];
    },
    sY: async (ctx, args) => {
      const late = await unwarnedLate(ctx, args);
      if (late) return [late];
      return cancelSession(ctx, sessionIdArg(args), "Member can't make it", cancelled);
    },
    // Profile edits.
    pe: async (ctx) => {
      const v = requireMember(ctx);
      const m = await v.core.members.get(v.actor, v.account.memberId);
      return [openForm(ctx, MEMBER_VERBS.pe, [], { name: m.user.name, timezone: m.user.timezone, goals: m.goals ?? '' })];
    },
    pE: async (ctx, _args, values) => {
      const v = requireMember(ctx);
      // An input left out keeps its value (a form opened without the profile, see FormDraw.current).
      const user = { ...(values.name !== undefined ? { name: values.name.trim() } : {}), ...(values.timezone !== undefined ? { timezone: values.timezone.trim() } : {}) };
      if (Object.keys(user).length) await v.core.users.update(v.actor, v.account.userId, user);
      if (values.goals !== undefined) await v.core.members.update(v.actor, v.account.memberId, { goals: values.goals.trim() });
      const fresh = await ctx.core.chat.accountOf(v.account.userId);
      return [reply(await profile({ ...v, zone: fresh?.timezone ?? v.zone }))];
    },
    // "Done ✓" on a commitment: from /next or a reminder, on whichever platform it was sent to.
    cd: async (ctx, args) => {
      const v = requireMember(ctx);
      const commitmentId = unpackId(args[0] ?? '');
      if (!commitmentId) throw new Refusal(ACTION_SENTENCES.malformed);
      const s = await v.core.sessions.markCommitmentDone(v.actor, commitmentId);
      const done = s.commitments.find((c) => c.id === commitmentId);
      await refreshProgress(ctx, v, s);
      return [notice(`Done ✓ ${done?.text ?? ''}`.trim())];
    },
    // Rating: the stars, then optional feedback, then the rating itself (once).
    rt: async (ctx, args) => {
      const v = requireMember(ctx);
      const id = sessionIdArg(args);
      const rating = unpackInt(args[1] ?? '', 5);
      if (!rating) throw new Refusal(ACTION_SENTENCES.malformed);
      await sessionStillFor(v, id, assertCanRate);
      return [openForm(ctx, MEMBER_VERBS.rt, [packId(id), packInt(rating)])];
    },
    rf: async (ctx, args, values) => {
      const v = requireMember(ctx);
      const rating = unpackInt(args[1] ?? '', 5);
      if (!rating) throw new Refusal(ACTION_SENTENCES.malformed);
      const feedback = values.feedback?.trim();
      const s = await v.core.sessions.rate(v.actor, sessionIdArg(args), { rating, ...(feedback ? { feedback } : {}) });
      return [reply(screen('Thanks for rating', [header('Thank you!'), text(`You rated your session with ${s.coachName} ${'★'.repeat(rating)}.`)]))];
    },
  },
  live: {
    sessions: async (viewer) => mySessions(requireMember(viewer)),
    next: async (viewer) => next(requireMember(viewer)),
  },
};
