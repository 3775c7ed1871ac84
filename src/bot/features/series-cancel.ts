import { isDomainError } from '../../core/index.ts';
import { assertCanCancel, type SessionView } from '../../core/sessions/index.ts';
import { packId } from '../compact.ts';
import { Refusal, type Ctx, type Viewer } from '../context.ts';
import { ACTION_SENTENCES, sentenceFor } from '../errors.ts';
import { notice, show, type Feature, type VerbUse } from '../feature.ts';
import { clockLabel, dayLabel, local } from '../format.ts';
import { requireAccount, requireCoach, type CoachViewer } from '../guards.ts';
import { keepCurrent } from '../live.ts';
import { scheduledFrom } from '../series.ts';
import { button, header, row, screen, text } from '../ui.ts';
import type { View } from '../view.ts';
import { showCard } from './coach.ts';
import { lateWarning, sessionIdArg, showSessions } from './member.ts';

// Cancelling an occurrence of a weekly series from chat (docs/design.md §9): wherever chat offers
// to cancel such a session (the member's /sessions and reminder, the coach's session card), a
// choice between that session alone (the session's own cancel form) and it with every later one;
// the latter asks to confirm with how many sessions and which dates, then goes through core's
// series cancel (the API's permission rules). Both screens are kept current over the span they
// list: a session cancelled elsewhere meanwhile leaves them, and a series with nothing left to
// cancel says so instead of offering it.

/** A session of a series, as the member (or the coach, or an admin) cancelling it sees it. */
export interface SeriesCancel {
  session: SessionView;
  /** The member cancels their own; anyone else is the coach or an admin (core decides). */
  byMember: boolean;
  /** Its series' still-scheduled sessions from its position on, in order: what "this and later" cancels. */
  later: { id: string; scheduledAt: Date }[];
}

/** The session and what "this and later" would cancel now, refused (core's sentence) when the session can no longer be cancelled. */
async function seriesCancelOf(v: CoachViewer, sessionId: string): Promise<SeriesCancel> {
  const session = await v.core.sessions.get(v.actor, sessionId);
  const byMember = v.account.userId === session.memberUserId;
  if (!byMember) requireCoach(v);
  assertCanCancel({ status: session.status, scheduledAt: new Date(session.scheduledAt), rating: session.rating }, v.now, byMember);
  const later = session.series ? scheduledFrom(await v.core.bookingSeries.get(v.actor, session.series.id), session.series.position) : [];
  return { session, byMember, later };
}

/** The argument the confirmation carries once its member has read the late-cancellation warning. */
const LATE_READ = 'y';

const sessionsWord = (n: number) => `${n} session${n === 1 ? '' : 's'}`;

/** "Tue 8 Jan 2030, 09:00" in the viewer's zone. */
const dateLine = (v: Viewer, at: Date) => `${local(at, v.zone).toFormat('ccc d LLL yyyy')}, ${clockLabel(at, v.zone)}`;

/** Where "Keep it" goes back to: the member's list, or the coach's card. */
const back = (v: Viewer, c: SeriesCancel) => (c.byMember ? button('Keep it', v.act('ms')) : button('Keep it', v.act('cv', packId(c.session.id))));

/** "Cancel this session" or "Cancel this and all later ones (N sessions)". */
export function drawSeriesChoice(v: Viewer, c: SeriesCancel): View {
  const s = c.session;
  const id = packId(s.id);
  const whose = c.byMember ? `Your session with ${s.coachName}` : `The session with ${s.memberName}`;
  const where = s.series ? ` is ${s.series.position} of ${s.series.count} in a weekly series` : '';
  const many = c.later.length > 1;
  return screen('Cancel which sessions?', [
    header('Cancel which sessions?'),
    text(`${whose} on ${dateLine(v, new Date(s.scheduledAt))}${where}. Times in ${v.zone}.`),
    row(button('Cancel this session', v.act(c.byMember ? 'sc' : 'cx', id), 'danger')),
    many ? row(button(`Cancel this and all later ones (${sessionsWord(c.later.length)})`, v.act('lx', id), 'danger')) : null,
    row(back(v, c)),
  ]);
}

/** The confirmation: how many sessions, on which dates. */
export function drawSeriesConfirm(v: Viewer, c: SeriesCancel): View {
  const s = c.session;
  const n = c.later.length;
  const title = `Cancel ${sessionsWord(n)}?`;
  const whose = c.byMember ? `your weekly sessions with ${s.coachName}` : `${s.memberName}'s weekly sessions`;
  // From the coach's cut-off on, the member reads what cancelling the first means (docs/design.md §12); Yes then carries LATE_READ.
  const warning = c.byMember ? lateWarning(v, s) : null;
  return screen(title, [
    header(title),
    text(`These ${n === 1 ? 'is' : `${n} are`} ${whose} from ${dateLine(v, new Date(s.scheduledAt))} on (times in ${v.zone}); ${n === 1 ? 'it' : 'they'} will be cancelled and the seats freed:`),
    text(...c.later.map((o) => `• ${dateLine(v, o.scheduledAt)}`)),
    text('Sessions before it stay booked.', warning ?? ''),
    row(button(`Yes, cancel ${sessionsWord(n)}`, v.act('lX', packId(s.id), ...(warning ? [LATE_READ] : [])), 'danger'), back(v, c)),
  ]);
}

/** What the screens show once the session can no longer be cancelled (cancelled elsewhere, started). */
function drawGone(v: Viewer, s: SessionView | null, why: string): View {
  const backTo = s && v.account?.userId === s.memberUserId ? button('My sessions', v.act('ms')) : s ? button('Open the session', v.act('cv', packId(s.id))) : null;
  return screen('Nothing to cancel', [header('Nothing to cancel'), text(why), backTo ? row(backTo) : null]);
}

type Step = 'choose' | 'confirm';

async function drawStep(viewer: Viewer, sessionId: string, step: Step): Promise<View> {
  const v = requireAccount(viewer);
  try {
    const c = await seriesCancelOf(v, sessionId);
    if (step === 'confirm' && c.later.length === 0) return drawGone(v, c.session, 'None of these sessions is still booked.');
    return step === 'choose' ? drawSeriesChoice(v, c) : drawSeriesConfirm(v, c);
  } catch (error) {
    // Kept current: a session cancelled or started meanwhile is shown as such, not offered again.
    if (!isDomainError(error)) throw error;
    const s = await v.core.sessions.get(v.actor, sessionId).catch(() => null);
    return drawGone(v, s, s && s.status !== 'scheduled' ? `This session is ${s.status === 'no_show' ? 'a no-show' : s.status}.` : sentenceFor(error));
  }
}

/** Shows a step on the message the button came from, kept current over the sessions it lists. */
async function showStep(ctx: Ctx, args: string[], step: Step) {
  const v = requireAccount(ctx);
  const id = sessionIdArg(args);
  // Refused before anything is drawn when the session can no longer be cancelled.
  const c = await seriesCancelOf(v, id);
  const answer = show(ctx, step === 'choose' ? drawSeriesChoice(v, c) : drawSeriesConfirm(v, c));
  const last = c.later.at(-1)?.scheduledAt ?? new Date(c.session.scheduledAt);
  const span = { coachId: c.session.coachId, startsAt: new Date(c.session.scheduledAt), endsAt: new Date(last.getTime() + c.session.duration * 60_000), sessionId: c.session.id };
  return [await keepCurrent(ctx, answer, 'seriesCancel', { sessionId: id, step }, span)];
}

export const SERIES_CANCEL_VERBS = {
  lc: 'act',
  lx: 'act',
  lX: 'act',
} as const satisfies Record<string, VerbUse>;

// Registers these verbs for `act()` (see VerbRegistry).
declare module '../context.ts' {
  interface VerbRegistry extends Record<keyof typeof SERIES_CANCEL_VERBS, true> {}
}

export const seriesCancel: Feature<keyof typeof SERIES_CANCEL_VERBS> = {
  actions: {
    // The choice: this session, or it and every later one.
    lc: async (ctx, args) => showStep(ctx, args, 'choose'),
    // "This and later": the confirmation, with how many and which dates.
    lx: async (ctx, args) => showStep(ctx, args, 'confirm'),
    // Confirmed. A second tap finds the session cancelled and is refused with core's sentence: nothing is cancelled twice.
    lX: async (ctx, args) => {
      const v = requireAccount(ctx);
      const c = await seriesCancelOf(v, sessionIdArg(args));
      const s = c.session;
      if (!s.series || c.later.length === 0) throw new Refusal(ACTION_SENTENCES.malformed);
      // A confirmation drawn before the cut-off and tapped after it: the confirmation again, now with the warning.
      if (c.byMember && lateWarning(v, s) && args[1] !== LATE_READ) return showStep(ctx, args, 'confirm');
      const after = await v.core.bookingSeries.cancel(v.actor, s.series.id, { position: s.series.position, scope: 'thisAndLater' });
      const wanted = new Set(c.later.map((o) => o.id));
      const done = after.occurrences.filter((o) => o.session && wanted.has(o.session.id) && o.session.status === 'cancelled').map((o) => new Date(o.session!.scheduledAt));
      // Every message kept current over the cancelled sessions is redrawn (pickers, cards, lists), as for one cancel.
      const last = c.later.at(-1)!.scheduledAt;
      await ctx.rt.refresh({ coachId: s.coachId, startsAt: new Date(s.scheduledAt), endsAt: new Date(last.getTime() + s.duration * 60_000) }, ctx.message);
      const said = `Cancelled ${sessionsWord(done.length)}: ${done.map((d) => dayLabel(d, v.zone)).join(', ')}.`;
      if (c.byMember) return showSessions(ctx, said);
      return [...(await showCard(ctx, s.id)), notice(said)];
    },
  },
  live: {
    seriesCancel: async (viewer, args) => drawStep(viewer, String(args.sessionId), args.step === 'confirm' ? 'confirm' : 'choose'),
  },
};
