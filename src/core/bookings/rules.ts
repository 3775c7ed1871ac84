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
        throw new ForbiddenError('You can only book sessions for your own members', 'not_your_member');
      }
    } else if (actor.userId !== member.userId) {
      throw new ForbiddenError('You can only book sessions for yourself', 'not_your_booking');
    }
    // Members book with the coach they are assigned to; an admin may book across assignments.
    if (member.coachId !== coach.id) throw new UnprocessableError('not_your_coach', 'You can only book sessions with your own coach');
  }
  if (!member.isActive) throw new UnprocessableError('member_inactive', 'The member is not active');
  if (!coach.isActive) throw new UnprocessableError('coach_inactive', 'The coach is not active');
}
