import type { LastTimeView, SessionView } from '../core/sessions/index.ts';
import type { WaitlistEntryView } from '../core/waitlist/index.ts';
import { lastTimeBlocks } from './continuity.ts';
import { drawOffer } from './offer.ts';
import { packId, packInt } from './compact.ts';
import { viewerFor, type BotRuntime, type Viewer } from './context.ts';
import { creditsLine, spanLabel, whenLabel, type CreditsShown } from './format.ts';
import { creditsOf } from './features/credits.ts';
import { UNREACHABLE_NOTICE, type Notice, type Presenter } from './port.ts';
import { button, header, row, screen, text } from './ui.ts';
import type { View } from './view.ts';
import type { Feature } from './feature.ts';

// Notices (outbox notifications, reminders, prompts) as the recipient reads them, with buttons
// signed for that recipient. The jobs deliver what this draws; nothing here sends anything.


const PLATFORM_NAMES: Record<string, string> = { slack: 'Slack', telegram: 'Telegram', discord: 'Discord', web: 'the playground' };
const platformName = (p: unknown): string | undefined => (typeof p === 'string' ? PLATFORM_NAMES[p] : undefined);

const str = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined);

function rateRow(v: Viewer, sessionId: string) {
  return row(...[1, 2, 3, 4, 5].map((n) => button('★'.repeat(n), v.act('rt', packId(sessionId), packInt(n)))));
}

/** The buttons that answer a reminder: Confirm, Reschedule, Can't make it (cancels, freeing the seat). */
export function reminderRow(v: Viewer, sessionId: string) {
  const id = packId(sessionId);
  return row(button('Confirm', v.act('rc', id), 'primary'), button('Reschedule', v.act('sr', id)), button("Can't make it", v.act('sy', id), 'danger'));
}

function sessionLine(v: Viewer, s: SessionView, forCoach: boolean): string {
  return `${forCoach ? `With ${s.memberName}` : `With ${s.coachName}`}, ${spanLabel(s.scheduledAt, s.duration, v.zone)}.`;
}

/** The waitlist entry a notice is about, as it is now, and its coach's name. */
export interface OfferState {
  entry: WaitlistEntryView;
  coachName: string;
}

/**
 * A notice for its recipient, from the notice, the session or waitlist entry it is about (and, for
 * a reminder, the session before it) and the member's credits with the coach (shown on a booking's
 * confirmation and every reminder); pure, for the property test.
 */
export function drawNotice(
  v: Viewer,
  notice: Notice,
  s: SessionView | null,
  last: LastTimeView | null = null,
  offer: OfferState | null = null,
  credits: CreditsShown | null = null,
): View {
  const p = notice.payload;
  const balance = !forCoachOf(v) ? (creditsLine(credits, v.zone) ?? '') : '';
  const forCoach = v.account?.role === 'Coach';
  const sessionId = s?.id;
  const line = s ? sessionLine(v, s, forCoach) : '';
  const card = (title: string, ...lines: string[]) => screen(title, [header(title), text(...lines)]);
  switch (notice.type) {
    case 'booking.confirmed':
    case 'session.created': {
      const title = forCoach ? 'New session booked' : 'Session booked ✓';
      return screen(title, [
        header(title),
        text(line || 'A session was booked.', balance),
        sessionId && forCoach ? row(button('Open session card', v.act('cv', packId(sessionId)))) : null,
        sessionId && !forCoach ? row(button('My sessions', v.act('ms'))) : null,
      ]);
    }
    case 'booking.rejected': {
      const when = str(p.slotStartsAt) ? whenLabel(str(p.slotStartsAt)!, v.zone) : 'the time you chose';
      return screen('Booking not made', [
        header('Booking not made'),
        text(`Your booking for ${when} could not be made: ${str(p.message) ?? 'the slot is no longer available'}.`),
        row(button('Choose another time', v.act('bk'))),
      ]);
    }
    case 'booking.cancelled':
    case 'session.cancelled': {
      const reason = str(p.reason);
      return card('Session cancelled', line || 'A session was cancelled.', reason ? `Reason: ${reason}` : '');
    }
    case 'session.rescheduled':
      return card('Session moved', s ? `Now: ${line}` : 'A session was moved.');
    case 'session.completed':
      return screen('Session completed', [
        header('Session completed'),
        text(line || 'A session was completed.', !forCoach && s?.rating === null ? 'How was it? Rate it:' : ''),
        sessionId && !forCoach && s?.rating === null ? rateRow(v, sessionId) : null,
      ]);
    case 'session.no_show':
      return card('Missed session recorded', line, `Recorded as a no-show (${str(p.party) ?? 'member'}).`);
    case 'session.reminder': {
      const minutes = Number(p.minutesBefore);
      const soon = minutes >= 120 ? `in ${Math.round(minutes / 60)} hours` : `in ${minutes} minutes`;
      return screen(`Reminder: session ${soon}`, [
        header(`Reminder: your session is ${soon}`),
        text(line || 'You have a session soon.', balance),
        ...lastTimeBlocks(v, last, { forCoach, doneButtons: true }),
        sessionId && s?.status === 'scheduled' && !forCoach ? reminderRow(v, sessionId) : null,
        sessionId && forCoach ? row(button('Open session card', v.act('cv', packId(sessionId)))) : null,
      ]);
    }
    case 'session.complete_prompt': {
      const open = s?.status === 'scheduled';
      return screen('How did the session go?', [
        header('How did the session go?'),
        text(line, open ? 'Complete it with your notes, or record a no-show.' : `It is ${s?.status ?? 'closed'} already.`),
        sessionId && open ? row(button('Complete', v.act('cc', packId(sessionId)), 'primary'), button('No-show', v.act('cs', packId(sessionId)), 'danger')) : null,
      ]);
    }
    case 'session.rate_prompt': {
      const rateable = s?.status === 'completed' && s.rating === null;
      return screen('Rate your session', [
        header('Rate your session'),
        text(line, rateable ? 'How was it? 1 to 5 stars:' : 'Thank you!'),
        sessionId && rateable ? rateRow(v, sessionId) : null,
      ]);
    }
    case 'waitlist.offered':
    case 'waitlist.ended': {
      // The entry as it is now: an offer still held has Claim / Pass; an ended one says how it ended.
      if (offer) return drawOffer(v, offer.entry, offer.coachName);
      const when = str(p.startsAt) ? whenLabel(str(p.startsAt)!, v.zone) : 'a full time';
      return card('Waitlist', `Your place on the waitlist for ${when} has changed. Use /waitlist to see it.`);
    }
    case 'credits.exhausted':
      return screen('Member out of credits', [
        header('Member out of credits'),
        text(`${str(p.memberName) ?? 'A member'} tried to book but has no sessions left in their package.`),
        str(p.memberId) && forCoach ? row(button('Open member', v.act('md', packId(str(p.memberId)!)))) : null,
      ]);
    case UNREACHABLE_NOTICE: {
      const now = platformName(p.now);
      const lost = Array.isArray(p.unreachable) ? (p.unreachable as { platform?: unknown; reason?: unknown }[]) : [];
      return screen('Notices come here now', [
        header(`Your notices come here${now ? `, to ${now},` : ''} now`),
        text(
          ...lost.map((l) => `I could not reach you on ${platformName(l.platform) ?? 'another chat'}: ${str(l.reason) ?? 'it refused delivery'}.`),
          'Write to me there to get notices there again, or send /notify here where you want them.',
        ),
      ]);
    }
    case 'member.assigned':
      return card('New member', `${str(p.memberName) ?? 'A member'} is now your member. Use /members to see them.`);
    default:
      return card('Update', 'Something changed in your sessions. Use /next or /today to see it.');
  }
}

/** A notice drawn for its recipient from the session or waitlist entry as it is now (and, for a reminder, the session before it), with the member's credits. */
async function presentTo(v: Viewer, notice: Notice): Promise<View> {
  const sessionId = str(notice.payload.sessionId);
  const session = sessionId && v.actor ? await v.core.sessions.get(v.actor, sessionId).catch(() => null) : null;
  const last = session && v.actor && notice.type === 'session.reminder' ? await v.core.sessions.lastTime(v.actor, session.id).catch(() => null) : null;
  const withBalance = (notice.type === 'booking.confirmed' || notice.type === 'session.created' || notice.type === 'session.reminder') && !forCoachOf(v);
  return drawNotice(v, notice, session, last, await offerOf(v, notice), withBalance && session ? await creditsOf(v) : null);
}

async function offerOf(v: Viewer, notice: Notice): Promise<OfferState | null> {
  const entryId = str(notice.payload.entryId);
  if (!entryId || !v.actor) return null;
  const entry = await v.core.waitlist.get(v.actor, entryId).catch(() => null);
  if (!entry) return null;
  const coach = await v.core.coaches.get(v.actor, entry.coachId).catch(() => null);
  return { entry, coachName: coach?.name ?? 'your coach' };
}

function forCoachOf(v: Viewer): boolean {
  return v.account?.role === 'Coach';
}

export function createPresenter(rt: BotRuntime): Presenter {
  return async (notice: Notice) => {
    const account = await rt.core.chat.accountOf(notice.userId);
    return presentTo(await viewerFor(rt, account?.isActive ? account : null, `u:${notice.userId}`), notice);
  };
}

/** A delivered notice is kept current like a card: a reminder of a cancelled session loses its buttons. */
export const notices: Feature = {
  live: {
    notice: async (viewer, args) => presentTo(viewer, args.notice as Notice),
  },
};
