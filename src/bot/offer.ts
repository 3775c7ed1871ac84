import type { WaitlistEntryView } from '../core/waitlist/index.ts';
import { packId } from './compact.ts';
import type { Viewer } from './context.ts';
import { clockLabel, countdown, spanLabel } from './format.ts';
import { button, header, row, screen, text } from './ui.ts';
import type { View } from './view.ts';

// A waitlist entry as its member reads it (docs/design.md §11): the offer with Claim / Pass while
// its seat is held, and once it has ended, how it ended, without buttons. One drawing for the
// offer's notice, its redraws (kept current like a card) and the answers to its buttons, so that
// the message always tells the entry as it is.

/** Whether the entry holds a seat its member can still claim, by the viewer's clock. */
export function isLiveOffer(e: Pick<WaitlistEntryView, 'status' | 'holdUntil'>, now: Date): boolean {
  return e.status === 'offered' && e.holdUntil !== null && new Date(e.holdUntil).getTime() > now.getTime();
}

export function drawOffer(v: Viewer, e: WaitlistEntryView, coachName: string, note?: string): View {
  const when = spanLabel(e.startsAt, e.duration, v.zone);
  const id = packId(e.id);
  const withWhom = `${when} with ${coachName}.`;
  const card = (title: string, lines: string[], ...buttons: ReturnType<typeof button>[]) =>
    screen(`${title} ${when}`, [header(title), note ? text(note) : null, text(...lines), buttons.length > 0 && row(...buttons)]);
  if (isLiveOffer(e, v.now)) {
    const until = `${clockLabel(e.holdUntil!, v.zone)} (${countdown(v.now, e.holdUntil!)})`;
    return card(
      'A seat freed up for you',
      [withWhom, `It is held for you until ${until}. Claim it to book it, or pass so the next person in line gets it.`],
      button('Claim', v.act('wc', id), 'primary'),
      button('Pass', v.act('wp', id)),
    );
  }
  switch (e.status) {
    case 'offered':
    case 'expired':
      return card('Offer expired', [withWhom, `The seat was held for you until ${clockLabel(e.holdUntil ?? e.startsAt, v.zone)}; it goes to the next person in line.`], button('Book another time', v.act('bk')));
    case 'claimed':
      return card('Claimed ✓', [withWhom, 'The seat is yours: the session is booked.'], button('My sessions', v.act('ms')));
    case 'passed':
      return card('Offer passed', [withWhom, 'You passed on this seat; it goes to the next person in line.']);
    case 'closed':
      return card('Waitlist closed', [withWhom, 'The time is too close to the start now, so the waitlist for it has closed.'], button('Book another time', v.act('bk')));
    case 'left':
      return card('Left the waitlist', [withWhom, 'You are no longer in line for this time.']);
    default:
      return card('On the waitlist', [withWhom, `You are number ${e.position ?? '?'} in line. I will message you if a seat frees up.`], button('Leave the waitlist', v.act('wx', id)));
  }
}
