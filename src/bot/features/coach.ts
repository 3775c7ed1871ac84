import { assertCanCancel, assertCanComplete, type LastTimeView, type SessionView } from '../../core/sessions/index.ts';
import { packId } from '../compact.ts';
import type { Ctx, Viewer } from '../context.ts';
import { notice, openForm, show, reply, type Feature, type FormDraw, type FormVerb, type VerbUse } from '../feature.ts';
import { attendanceLine, clockLabel, dayLabel, spanLabel } from '../format.ts';
import { requireAccount, requireCoach, type CoachViewer } from '../guards.ts';
import { rememberLive } from '../live.ts';
import { button, divider, fields, form, header, input, option, row, screen, select, text } from '../ui.ts';
import { commitmentBlocks, lastTimeBlocks } from '../continuity.ts';
import { parseCommitments } from '../forms-commitments.ts';
import type { Form, View } from '../view.ts';
import type { CoachDashboard } from '../../core/dashboards/service.ts';
import { waitKey } from '../../core/waitlist/index.ts';
import { cancelForm, sessionIdArg, sessionStillFor, spanOf } from './member.ts';
import { hasLaterOccurrences } from '../series.ts';

// The coach's day (the seed's coach dashboard) and session cards: Complete (notes, outcomes),
// Cancel, Notes, No-show. Cards drawn onto a message are kept current as the session changes.

/** How many members wait for each of the coach's slots (key: waitKey), from the waitlist (docs/design.md §11). */
export type WaitingCounts = ReadonlyMap<string, number>;

function waitingFor(waiting: WaitingCounts, s: Pick<SessionView, 'scheduledAt' | 'duration'>): number {
  return waiting.get(waitKey(new Date(s.scheduledAt), s.duration)) ?? 0;
}

function sessionLine(v: Viewer, s: SessionView, waiting: WaitingCounts = new Map()): string {
  const n = s.status === 'scheduled' ? waitingFor(waiting, s) : 0;
  return `${dayLabel(s.scheduledAt, v.zone)} ${clockLabel(s.scheduledAt, v.zone)} · ${s.memberName} · ${s.status}${n > 0 ? ` · ${n} waiting` : ''}`;
}

/** The waiting counts of the coach's slots over the sessions shown. */
async function waitingCounts(v: CoachViewer, coachId: string, sessions: readonly SessionView[]): Promise<WaitingCounts> {
  if (sessions.length === 0) return new Map();
  const times = sessions.map((s) => new Date(s.scheduledAt).getTime());
  return v.core.waitlist.waitingCounts(v.actor, coachId, { from: new Date(Math.min(...times)), to: new Date(Math.max(...times) + 1) });
}

export async function today(v: CoachViewer): Promise<View> {
  const d = await v.core.dashboards.coach(v.actor);
  return drawToday(v, d, await waitingCounts(v, d.coachId, [...d.todaysSessions, ...d.weekSessions]));
}

export function drawToday(v: Viewer, d: CoachDashboard, waiting: WaitingCounts = new Map()): View {
  const week = d.weekSessions;
  const todayIds = new Set(d.todaysSessions.map((s) => s.id));
  const later = week.filter((s) => !todayIds.has(s.id));
  const options = [...d.todaysSessions, ...later, ...d.upcomingSessions.filter((s) => !week.some((w) => w.id === s.id))].slice(0, 25);
  return screen('Your day', [
    header('Today and this week'),
    text(`Times in ${v.zone}. ${d.activeMemberCount} active member${d.activeMemberCount === 1 ? '' : 's'}${d.averageRating !== null ? `, rating ${d.averageRating.toFixed(1)} (${d.ratingCount})` : ''}.`),
    attendanceLine(d.attendance) ? text(attendanceLine(d.attendance)!) : null,
    text('Today:', ...(d.todaysSessions.length ? d.todaysSessions.map((s) => `• ${sessionLine(v, s, waiting)}`) : ['• nothing booked'])),
    text('Rest of this week:', ...(later.length ? later.slice(0, 20).map((s) => `• ${sessionLine(v, s, waiting)}`) : ['• nothing booked'])),
    options.length > 0 && row(select('Open a session card', options.map((s) => option(sessionLine(v, s), v.act('cv', packId(s.id)))))),
    row(button('Members', v.act('ml')), button('Availability', v.act('av'))),
  ]);
}

export async function sessionCard(v: CoachViewer, sessionId: string): Promise<View> {
  const [s, last] = await Promise.all([v.core.sessions.get(v.actor, sessionId), v.core.sessions.lastTime(v.actor, sessionId)]);
  // The waiting count is the coach's to see (an admin's too); a member's view of a card has none.
  const counts = v.account.userId === s.coachId || v.account.role === 'Admin' ? await waitingCounts(v, s.coachId, [s]) : new Map<string, number>();
  return drawSessionCard(v, s, last, s.status === 'scheduled' ? waitingFor(counts, s) : 0);
}

export function drawSessionCard(v: Viewer, s: SessionView, last: LastTimeView | null = null, waiting = 0): View {
  const id = packId(s.id);
  const open = s.status === 'scheduled';
  // Complete and No-show only once it has started: core refuses them before, and the notes typed would be lost.
  const started = v.now.getTime() >= new Date(s.scheduledAt).getTime();
  const title = `Session with ${s.memberName}`;
  // A weekly series' session asks first: this one, or it and every later one (series-cancel.ts).
  const cancel = button('Cancel', v.act(hasLaterOccurrences(s) ? 'lc' : 'cx', id), 'danger');
  return screen(title, [
    header(title),
    fields([
      ['When', spanLabel(s.scheduledAt, s.duration, v.zone)],
      ['Status', s.status === 'no_show' ? `no-show (${s.noShowParty ?? 'member'})` : s.status],
      ['Type', s.type],
      ...(s.series ? ([['Series', `Weekly, ${s.series.position} of ${s.series.count}`]] as [string, string][]) : []),
      ['Coach notes', s.coachNotes],
      ['Outcomes', s.outcomes],
      ['Member notes', s.memberNotes],
      ...(waiting > 0 ? ([['Waitlist', `${waiting} waiting for this time`]] as [string, string][]) : []),
      ...(s.rating !== null ? ([['Rating', `${'★'.repeat(s.rating)}${s.ratingFeedback ? ` — ${s.ratingFeedback}` : ''}`]] as [string, string][]) : []),
      ...(s.cancellationReason ? ([['Cancel reason', s.cancellationReason]] as [string, string][]) : []),
    ]),
    ...commitmentBlocks(v, 'Commitments', s.commitments, { doneButtons: false }),
    ...(last ? [divider(), ...lastTimeBlocks(v, last, { forCoach: true })] : []),
    open && started && row(button('Complete', v.act('cc', id), 'primary'), button('No-show', v.act('cs', id)), button('Notes', v.act('cn', id)), cancel),
    open && !started && row(button('Notes', v.act('cn', id)), cancel),
    !open && row(button('Notes', v.act('cn', id)), button('Back to today', v.act('td'))),
  ]);
}

export async function showCard(ctx: Ctx, sessionId: string, change?: SessionView) {
  const v = requireAccount(ctx);
  const s = change ?? (await v.core.sessions.get(v.actor, sessionId));
  await rememberLive(ctx, 'card', { sessionId }, spanOf(s));
  if (change) {
    const redrawn = await ctx.rt.refresh(spanOf(change), ctx.message);
    // A form's submit has no message to update: when the card it came from was just redrawn in
    // place, a short notice says so instead of a second copy of the card.
    if (!ctx.message && redrawn.some((r) => r.viewerId === v.account.userId && r.platform === ctx.user.platform)) {
      return [notice(`Saved: the session is ${change.status === 'no_show' ? 'a no-show' : change.status}.`)];
    }
  }
  return [show(ctx, await sessionCard(v, sessionId))];
}

/** How a coach brings in a new member: the platform's invite link, or the signup command itself. */
function invitation(v: CoachViewer, ctx: Ctx): View {
  const link = ctx.rt.ports?.[ctx.user.platform]?.inviteLink?.(v.account.userId);
  const how = link ? `Send this link to someone you would like to coach: ${link}` : `Ask them to send me: /signup ${v.account.userId}`;
  return screen('Invite a member', [header('Invite a member'), text(how, 'They sign up with you as their coach while you take new members.')]);
}

function completeForm(_args: string[], d: FormDraw): Form {
  return form('Complete session', d.submit, 'Complete', [
    input('notes', 'Session notes (private)', { style: 'paragraph', required: true, maxLength: 4000 }),
    input('outcomes', 'Outcomes', { style: 'paragraph', maxLength: 4000 }),
    input('commitments', 'Commitments, one per line', { style: 'paragraph', maxLength: 2000, placeholder: 'Walk 20 min daily by 2026-12-20' }),
  ]);
}

function notesForm(_args: string[], d: FormDraw): Form {
  return form('Session notes', d.submit, 'Save notes', [input('notes', 'Notes', { style: 'paragraph', required: true, maxLength: 4000 })]);
}

/** A session card's form, for the coach: the session id travels to the submit. */
function sessionForm(ctx: Ctx, spec: FormVerb, args: string[]) {
  requireCoach(ctx);
  return [openForm(ctx, spec, [packId(sessionIdArg(args))])];
}

export const COACH_VERBS = {
  td: 'act',
  cv: 'act',
  cc: { submit: 'cC', for: 'coach', draw: completeForm },
  cC: 'submit',
  cs: 'act',
  cn: { submit: 'cN', for: 'coach', draw: notesForm },
  cN: 'submit',
  cx: { submit: 'cX', for: 'coach', draw: cancelForm },
  cX: 'submit',
} as const satisfies Record<string, VerbUse>;

// Registers these verbs for `act()` (see VerbRegistry).
declare module '../context.ts' {
  interface VerbRegistry extends Record<keyof typeof COACH_VERBS, true> {}
}

export const coach: Feature<keyof typeof COACH_VERBS> = {
  commands: {
    today: { description: 'Today and this week', audience: 'coach', run: async (ctx) => [reply(await today(requireCoach(ctx)))] },
    invite: { description: 'A link that signs a new member up with you', audience: 'coach', slackName: 'invite-member', run: async (ctx) => [reply(invitation(requireCoach(ctx), ctx))] },
  },
  actions: {
    td: async (ctx) => [show(ctx, await today(requireCoach(ctx)))],
    cv: async (ctx, args) => showCard(ctx, sessionIdArg(args)),
    cc: async (ctx, args) => {
      const v = requireCoach(ctx);
      await sessionStillFor(v, sessionIdArg(args), (f) => assertCanComplete(f, v.now));
      return sessionForm(ctx, COACH_VERBS.cc, args);
    },
    cC: async (ctx, args, values) => {
      const v = requireCoach(ctx);
      const s = await v.core.sessions.complete(v.actor, sessionIdArg(args), {
        coachNotes: values.notes ?? '',
        ...(values.outcomes?.trim() ? { outcomes: values.outcomes } : {}),
        commitments: parseCommitments(values.commitments ?? ''),
      });
      return showCard(ctx, s.id, s);
    },
    cs: async (ctx, args) => {
      const v = requireCoach(ctx);
      const s = await v.core.sessions.markNoShow(v.actor, sessionIdArg(args), { party: 'member' });
      return showCard(ctx, s.id, s);
    },
    cn: async (ctx, args) => sessionForm(ctx, COACH_VERBS.cn, args),
    cN: async (ctx, args, values) => {
      const v = requireCoach(ctx);
      const s = await v.core.sessions.addCoachNotes(v.actor, sessionIdArg(args), { notes: values.notes ?? '' });
      return showCard(ctx, s.id, s);
    },
    cx: async (ctx, args) => {
      const v = requireCoach(ctx);
      await sessionStillFor(v, sessionIdArg(args), (f) => assertCanCancel(f, v.now, false));
      return sessionForm(ctx, COACH_VERBS.cx, args);
    },
    cX: async (ctx, args, values) => {
      const v = requireCoach(ctx);
      const s = await v.core.sessions.cancel(v.actor, sessionIdArg(args), values.reason?.trim() ? { reason: values.reason.trim() } : {});
      return showCard(ctx, s.id, s);
    },
  },
  live: {
    card: async (viewer, args) => sessionCard(requireAccount(viewer), String(args.sessionId)),
  },
};
