import { packId, unpackId } from '../compact.ts';
import { Refusal, type Ctx } from '../context.ts';
import { ACTION_SENTENCES } from '../errors.ts';
import { openForm, reply, show, type Feature, type FormDraw, type VerbUse } from '../feature.ts';
import { attendanceLine, creditsLine, spanLabel, type CreditsShown } from '../format.ts';
import { creditsOf } from './credits.ts';
import { requireCoach, type CoachViewer } from '../guards.ts';
import { button, editInput, fields, form, header, input, option, row, screen, select, text } from '../ui.ts';
import type { Form, View } from '../view.ts';
import type { Viewer } from '../context.ts';
import type { MemberView } from '../../core/members/index.ts';
import type { Page } from '../../core/pagination.ts';
import type { SessionView } from '../../core/sessions/index.ts';

// A coach's members (paged, searchable) and one member's detail with history and notes. The
// search typed with /members is conversation state (PostgreSQL), so "Next page" keeps it.

const PAGE = 10;
const SEARCH_KEY = 'members.search';
const SEARCH_TTL_MS = 60 * 60_000;
const HISTORY_DAYS = 180;

async function memberList(v: CoachViewer, search: string | undefined, cursor?: string): Promise<View> {
  const page = await v.core.members.list(v.actor, { coachId: v.account.userId, limit: PAGE, ...(search ? { search } : {}), ...(cursor ? { cursor } : {}) });
  return drawMemberList(v, search, page);
}

export function drawMemberList(v: Viewer, search: string | undefined, page: Page<Listed>): View {
  const title = search ? `Members matching "${search}"` : 'Your members';
  return screen(title, [
    header(title),
    text(page.items.length ? page.items.map((m) => `• ${m.user.name} (${m.membershipStatus})`).join('\n') : 'No members found.'),
    page.items.length > 0 && row(select('Open a member', page.items.map((m) => option(m.user.name, v.act('md', packId(m.id)), m.membershipStatus)))),
    page.nextCursor ? row(button('Next page', v.act('mp', packId(page.nextCursor)))) : null,
  ]);
}

async function memberDetail(v: CoachViewer, memberId: string, note?: string): Promise<View> {
  const m = await v.core.members.get(v.actor, memberId);
  const [history, credits, attendance] = await Promise.all([
    v.core.sessions.list(v.actor, { memberId, from: new Date(v.now.getTime() - HISTORY_DAYS * 86_400_000), limit: 50 }),
    creditsOf(v, memberId),
    v.core.dashboards.memberAttendance(v.actor, memberId).catch(() => null),
  ]);
  return drawMemberDetail(v, m, history.items, { credits, attendance, note });
}

/** What the member card shows besides the profile and sessions (docs/design.md §12). */
export interface MemberCardExtras {
  credits?: CreditsShown | null;
  attendance?: { sessions: number; lateCancellations: number; noShows: number } | null;
  note?: string | undefined;
}

type Listed = Pick<MemberView, 'id' | 'membershipStatus'> & { user: { name: string } };

export function drawMemberDetail(
  v: Viewer,
  m: Listed & Pick<MemberView, 'onboardingStatus' | 'goals' | 'coachNotes'> & { user: { timezone: string } },
  sessions: SessionView[],
  extras: MemberCardExtras = {},
): View {
  const history = { items: sessions };
  const past = history.items.filter((s) => new Date(s.scheduledAt).getTime() < v.now.getTime()).slice(-5);
  const upcoming = history.items.filter((s) => new Date(s.scheduledAt).getTime() >= v.now.getTime() && s.status === 'scheduled').slice(0, 3);
  const line = (s: (typeof history.items)[number]) => `• ${spanLabel(s.scheduledAt, s.duration, v.zone)} · ${s.status}${s.rating ? ` · ${'★'.repeat(s.rating)}` : ''}`;
  const credits = creditsLine(extras.credits, v.zone);
  const rates = attendanceLine(extras.attendance);
  return screen(m.user.name, [
    header(m.user.name),
    extras.note ? text(extras.note) : null,
    fields([
      ['Membership', m.membershipStatus],
      ['Onboarding', m.onboardingStatus],
      ['Time zone', m.user.timezone],
      ['Goals', m.goals],
      ['Coach notes', m.coachNotes],
      ['Credits', credits ?? (extras.credits?.requiresCredits === false ? 'not required' : null)],
    ]),
    rates ? text(rates) : null,
    text('Upcoming:', ...(upcoming.length ? upcoming.map(line) : ['• none'])),
    text('History:', ...(past.length ? past.map(line) : ['• none yet'])),
    row(button('Edit notes', v.act('mn', packId(m.id))), button('Grant credits', v.act('mg', packId(m.id))), button('Members', v.act('ml'))),
  ]);
}

function idArg(args: string[]): string {
  const id = unpackId(args[0] ?? '');
  if (!id) throw new Refusal(ACTION_SENTENCES.malformed);
  return id;
}

async function search(ctx: Ctx, query: string) {
  const v = requireCoach(ctx);
  const q = query.trim().slice(0, 100);
  // Listed first: core judges the search text, so a search it refuses is never kept for "Next page".
  const list = await memberList(v, q || undefined);
  if (q) await ctx.core.chat.writeState(ctx.user, SEARCH_KEY, q, SEARCH_TTL_MS);
  else await ctx.core.chat.clearState(ctx.user, SEARCH_KEY);
  return list;
}

function notesForm(_args: string[], d: FormDraw): Form {
  return form('Notes on member', d.submit, 'Save', [editInput(d, 'notes', 'Coach notes', { style: 'paragraph', maxLength: 4000 })]);
}

/** Grant credits to the member: a count, an optional validity, a reason. */
function grantForm(_args: string[], d: FormDraw): Form {
  return form('Grant credits', d.submit, 'Grant', [
    input('count', 'Sessions to grant (1-500)', { required: true, maxLength: 3 }),
    input('validityDays', 'Valid for days (optional)', { maxLength: 4 }),
    input('reason', 'Reason (optional)', { maxLength: 200 }),
  ]);
}

/** A whole number typed in a form; the text itself when it is not one, for core to refuse naming the field. */
function typedNumber(value: string | undefined): number | undefined {
  const t = value?.trim() ?? '';
  if (t === '') return undefined;
  return /^-?\d{1,6}$/.test(t) ? Number(t) : Number.NaN;
}

export const MEMBERS_VERBS = {
  ml: 'act',
  mp: 'act',
  md: 'act',
  mn: { submit: 'mN', for: 'coach', keeps: ['notes'], draw: notesForm },
  mN: 'submit',
  mg: { submit: 'mG', for: 'coach', draw: grantForm },
  mG: 'submit',
} as const satisfies Record<string, VerbUse>;

// Registers these verbs for `act()` (see VerbRegistry).
declare module '../context.ts' {
  interface VerbRegistry extends Record<keyof typeof MEMBERS_VERBS, true> {}
}

async function openMember(ctx: Ctx, args: string) {
  const v = requireCoach(ctx);
  if (!args.trim()) return [reply(await search(ctx, ''))];
  const found = await v.core.members.list(v.actor, { coachId: v.account.userId, search: args.trim().slice(0, 100), limit: 2 });
  if (found.items.length === 1) return [reply(await memberDetail(v, found.items[0]!.id))];
  return [reply(await search(ctx, args))];
}

export const members: Feature<keyof typeof MEMBERS_VERBS> = {
  commands: {
    members: { description: 'Your members', audience: 'coach', usage: '[name]', run: async (ctx, args) => [reply(await search(ctx, args))] },
    member: { description: 'One member, by name', audience: 'coach', usage: '<name>', run: openMember },
  },
  actions: {
    ml: async (ctx) => [show(ctx, await search(ctx, ''))],
    mp: async (ctx, args) => {
      const v = requireCoach(ctx);
      const q = await ctx.core.chat.readState<string>(ctx.user, SEARCH_KEY);
      return [show(ctx, await memberList(v, q ?? undefined, idArg(args)))];
    },
    md: async (ctx, args) => [show(ctx, await memberDetail(requireCoach(ctx), idArg(args)))],
    mn: async (ctx, args) => {
      const v = requireCoach(ctx);
      const m = await v.core.members.get(v.actor, idArg(args));
      return [openForm(ctx, MEMBERS_VERBS.mn, [packId(m.id)], { notes: m.coachNotes ?? '' })];
    },
    mN: async (ctx, args, values) => {
      const v = requireCoach(ctx);
      const id = idArg(args);
      // Absent when the form opened without the current notes (FormDraw.current): they stay.
      if (values.notes !== undefined) await v.core.members.update(v.actor, id, { coachNotes: values.notes });
      return [reply(await memberDetail(v, id))];
    },
    mg: async (ctx, args) => {
      const v = requireCoach(ctx);
      const m = await v.core.members.get(v.actor, idArg(args));
      return [openForm(ctx, MEMBERS_VERBS.mg, [packId(m.id)])];
    },
    mG: async (ctx, args, values) => {
      const v = requireCoach(ctx);
      const id = idArg(args);
      const count = typedNumber(values.count);
      const validityDays = typedNumber(values.validityDays);
      const reason = values.reason?.trim();
      const after = await v.core.credits.grant(v.actor, id, {
        ...(count !== undefined ? { count } : {}),
        ...(validityDays !== undefined ? { validityDays } : {}),
        ...(reason ? { reason } : {}),
      });
      return [reply(await memberDetail(v, id, `Granted. ${creditsLine(after, v.zone) ?? ''}`.trim()))];
    },
  },
};
