import { isAdmin, type Actor } from '../access/index.ts';
import { ForbiddenError, NotFoundError, UnprocessableError } from '../errors.ts';
import type { ParsedBookingInput } from './inputs.ts';

// Who may book for whom, decided on the member and coach as read with the request.

export interface BookingParties {
  member: { id: string; userId: string; coachId: string | null; isActive: boolean } | null;
  coach: { id: string; role: string; isActive: boolean; hasProfile: boolean } | null;
}

export function assertMayBook(actor: Actor, ctx: BookingParties, input: Pick<ParsedBookingInput, 'memberId' | 'coachId'>) {
  const { member, coach } = ctx;
  if (!member) throw new NotFoundError('Member', input.memberId);
  if (!coach || coach.role !== 'Coach' || !coach.hasProfile) throw new NotFoundError('Coach', input.coachId);
  if (!isAdmin(actor)) {
    if (actor.role === 'Coach') {
      if (actor.userId !== coach.id || member.coachId !== coach.id) {
        throw new ForbiddenError('not_your_member', 'You can only book sessions for your own members');
      }
    } else if (actor.userId !== member.userId) {
      throw new ForbiddenError('not_your_booking', 'You can only book sessions for yourself');
    }
    // Members book with the coach they are assigned to; an admin may book across assignments.
    if (member.coachId !== coach.id) throw new UnprocessableError('not_your_coach', 'You can only book sessions with your own coach');
  }
  if (!member.isActive) throw new UnprocessableError('member_inactive', 'The member is not active');
  if (!coach.isActive) throw new UnprocessableError('coach_inactive', 'The coach is not active');
}

/** PostgreSQL aborted the transaction to break a deadlock (40P01) or a serialization conflict (40001). */
export function isAbort(error: unknown): boolean {
  // A raw connection reports PostgreSQL's SQLSTATE as `code`; Prisma reports the same as P2034.
  const code = (error as { code?: unknown } | null)?.code;
  return code === '40P01' || code === '40001' || code === 'P2034';
}

/**
 * How many times a booking runs when PostgreSQL keeps aborting it. Each abort lets the other side
 * through, but on a busy machine a rerun can meet the same twin again before it has finished (its
 * key written, the coach lock still held); a few reruns always see it through.
 */
const ABORTED_RUNS = 4;

/**
 * Runs `once` again while it fails with an error `rerunnable` accepts (an abort by default), up to
 * ABORTED_RUNS times. Everything an aborted run wrote was rolled back: a rerun replays the other
 * same-key request's result through the key, or decides afresh.
 */
export async function rerunningAborts<T>(once: () => Promise<T>, rerunnable: (error: unknown) => boolean = isAbort): Promise<T> {
  for (let run = 1; ; run++) {
    try {
      return await once();
    } catch (error) {
      if (run >= ABORTED_RUNS || !rerunnable(error)) throw error;
    }
  }
}
