import type { NoShowParty, SessionStatus, SessionType } from '../../db/client.ts';
import { isAdmin, requirePermission, type Actor } from '../access/index.ts';
import { ConflictError, ForbiddenError, NotFoundError, UnprocessableError, ValidationError } from '../errors.ts';

// The session lifecycle and who sees what, as pure functions over plain data: every service path
// (API, chat, jobs) goes through them, and the property tests exercise them directly.
//
//   scheduled ──complete (after the start)──► completed ──rate (once, by the member)
//       │ ├──cancel─────────────────────────► cancelled
//       │ └──markNoShow (after the start)───► no_show
//       └──reschedule / update (stays scheduled; a member reschedules only before the start)
//
// docs/design.md §2 lists invalid state transitions under 400 Validation, so a refused transition is a
// ValidationError with code `invalid_state` (Properties 61, 62, 63); a second rating is the one
// 409 (Property 45, "duplicate rating submission" under Conflict).

export interface LifecycleFacts {
  status: SessionStatus;
  scheduledAt: Date;
  rating: number | null;
}

function invalidState(message: string): ValidationError {
  return new ValidationError('invalid_state', message, [{ field: 'status', message }]);
}

/** Whether a start time has come: completing or marking a no-show before it would record fiction. */
function started(s: LifecycleFacts, now: Date): boolean {
  return now.getTime() >= s.scheduledAt.getTime();
}

export function assertCanComplete(s: LifecycleFacts, now: Date): void {
  if (s.status !== 'scheduled') throw invalidState(`Only a scheduled session can be completed; this one is ${s.status}`);
  if (!started(s, now)) {
    throw new ValidationError('session_not_started', 'A session cannot be completed before it starts', [{ field: 'scheduledAt', message: 'is in the future' }]);
  }
}

/** A member cancels only before the start; the coach or an admin may still call it off later. */
export function assertCanCancel(s: LifecycleFacts, now: Date, byMember: boolean): void {
  if (s.status === 'completed') throw invalidState('A completed session cannot be cancelled');
  if (s.status !== 'scheduled') throw invalidState(`Only a scheduled session can be cancelled; this one is ${s.status}`);
  if (byMember && started(s, now)) {
    throw new ValidationError('session_started', 'A session that has started can no longer be cancelled by its member', [{ field: 'scheduledAt', message: 'is in the past' }]);
  }
}

export function assertCanMarkNoShow(s: LifecycleFacts, now: Date): void {
  if (s.status !== 'scheduled') throw invalidState(`Only a scheduled session can be marked as a no-show; this one is ${s.status}`);
  if (!started(s, now)) {
    throw new ValidationError('session_not_started', 'A no-show can only be recorded after the start time', [{ field: 'scheduledAt', message: 'is in the future' }]);
  }
}

/** Reschedules and changes of type or duration apply to sessions that have not happened yet. */
export function assertCanChangeTime(s: LifecycleFacts): void {
  if (s.status !== 'scheduled') throw invalidState(`Only a scheduled session can be changed; this one is ${s.status}`);
}

/** A member moves a session only before it starts, as they cancel it; the coach or an admin may still move it later. */
export function assertCanReschedule(s: LifecycleFacts, now: Date, byMember: boolean): void {
  assertCanChangeTime(s);
  if (byMember && started(s, now)) {
    throw new ValidationError('session_started', 'A session that has started can no longer be rescheduled by its member', [{ field: 'scheduledAt', message: 'is in the past' }]);
  }
}

export function assertCanRate(s: LifecycleFacts): void {
  if (s.status !== 'completed') throw invalidState(`Only a completed session can be rated; this one is ${s.status}`);
  if (s.rating !== null) throw new ConflictError('already_rated', 'This session has already been rated');
}

/** The parties of a session, enough to decide access and visibility without another query. */
export interface SessionParties {
  coachId: string;
  memberUserId: string;
  /** The member's currently assigned coach (member_profiles.coachId). */
  memberCoachId: string | null;
}

/**
 * Who may read a session: its member, its coach, the member's assigned coach, and admins
 * (Properties 51, 56). Permission keys are checked separately.
 */
export function canReadSession(actor: Actor, p: SessionParties): boolean {
  if (isAdmin(actor)) return true;
  if (actor.role === 'Member') return actor.userId === p.memberUserId;
  if (actor.role === 'Coach') return actor.userId === p.coachId || actor.userId === p.memberCoachId;
  return false;
}

/** Who may run the session (complete, notes, no-show, change): its own coach, or an admin. */
export function isSessionCoachOrAdmin(actor: Actor, p: SessionParties): boolean {
  return isAdmin(actor) || actor.userId === p.coachId;
}

export function isSessionMember(actor: Actor, p: SessionParties): boolean {
  return actor.userId === p.memberUserId;
}

/** Coach notes are the coach's working notes: never shown to a member (Property 21). */
export function seesCoachNotes(actor: Actor, p: SessionParties): boolean {
  if (isAdmin(actor)) return true;
  return actor.role === 'Coach' && canReadSession(actor, p);
}

/** Member notes: the member who wrote them, their coach, admins (Property 22). */
export function seesMemberNotes(actor: Actor, p: SessionParties): boolean {
  if (isAdmin(actor)) return true;
  return actor.userId === p.memberUserId || actor.userId === p.coachId || actor.userId === p.memberCoachId;
}

/** Running a session (complete, notes, no-show, changes) is its coach's job, or an admin's. */
export function requireSessionCoach(actor: Actor, s: SessionRecord): void {
  requirePermission(actor, 'sessions:write');
  if (!isSessionCoachOrAdmin(actor, s)) {
    throw new ForbiddenError('not_session_coach', 'Only the coach of this session or an admin can do this');
  }
}

/** Moving or cancelling is also the member's right, under their booking permission. */
export function requireSessionParty(actor: Actor, s: SessionRecord): void {
  if (isSessionMember(actor, s) && !isAdmin(actor)) return requirePermission(actor, 'bookings:write');
  requireSessionCoach(actor, s);
}

/** The member's own acts (member notes, rating); admins may act for them (docs/properties.md, Property 54). */
export function requireSessionMember(actor: Actor, s: SessionRecord): void {
  if (isAdmin(actor)) return;
  requirePermission(actor, 'sessions:read');
  if (!isSessionMember(actor, s)) throw new ForbiddenError('not_session_member', 'Only the member of this session can do this');
}

/** The member and coach a new session names, as read with the request. */
export interface ScheduleParties {
  member: { id: string; userId: string; coachId: string | null; isActive: boolean } | null;
  coach: { id: string; role: string; isActive: boolean } | null;
}

/** Sessions are made for existing, active parties: by an admin, or a coach or member for their own pair. */
export function assertMaySchedule(actor: Actor, p: ScheduleParties, input: { memberId: string; coachId: string }): asserts p is NonNullableParties {
  const { member, coach } = p;
  if (!member) throw new NotFoundError('Member', input.memberId);
  if (!coach || coach.role !== 'Coach') throw new NotFoundError('Coach', input.coachId);
  if (!isAdmin(actor)) {
    const own =
      actor.role === 'Coach'
        ? actor.userId === coach.id && member.coachId === coach.id
        : actor.userId === member.userId && member.coachId === coach.id;
    if (!own) throw new ForbiddenError('not_your_member', 'You can only schedule sessions for your own members');
  }
  if (!member.isActive) throw new UnprocessableError('member_inactive', 'The member is not active');
  if (!coach.isActive) throw new UnprocessableError('coach_inactive', 'The coach is not active');
}

type NonNullableParties = { [K in keyof ScheduleParties]: NonNullable<ScheduleParties[K]> };

/** A commitment as every reader of its session sees it: short, with an optional due day. */
export interface CommitmentView {
  id: string;
  text: string;
  /** YYYY-MM-DD, or null. */
  dueDate: string | null;
  /** When the member marked it done; null while open. */
  doneAt: Date | null;
}

export interface SessionRecord extends SessionParties {
  id: string;
  calendarEventId: string;
  memberId: string;
  type: SessionType;
  status: SessionStatus;
  duration: number;
  scheduledAt: Date;
  coachNotes: string | null;
  memberNotes: string | null;
  outcomes: string | null;
  rating: number | null;
  ratingFeedback: string | null;
  ratedAt: Date | null;
  completedAt: Date | null;
  cancelledAt: Date | null;
  cancellationReason: string | null;
  cancelledById: string | null;
  noShowParty: NoShowParty | null;
  /** Cancelled by the member within the coach's cut-off (docs/design.md §12). */
  cancelledLate: boolean;
  /** The coach's cancellation policy for it: from `cutoffAt` a member's cancellation is late, and uses the session's credit when `consumesCredit`. */
  cancellation: { cutoffAt: Date; consumesCredit: boolean };
  createdAt: Date;
  updatedAt: Date;
  memberName: string;
  coachName: string;
  groupConversationId: string | null;
  /** Action items recorded at completion (both parties read them; they are not private notes). */
  commitments: CommitmentView[];
  /** The recurring series it is an occurrence of: its position and the series' length ("3 of 8", docs/design.md §9). */
  series: { id: string; position: number; count: number } | null;
}

export const parties = (s: SessionRecord) => ({
  id: s.id,
  calendarEventId: s.calendarEventId,
  memberUserId: s.memberUserId,
  coachUserId: s.coachId,
  scheduledAt: s.scheduledAt,
});

/** A session as one actor may see it: private notes the actor may not read are left out. */
export type SessionView = Omit<SessionRecord, 'coachNotes' | 'memberNotes'> & {
  endsAt: Date;
  coachNotes?: string | null;
  memberNotes?: string | null;
};

/** Shapes a session for an actor; every read of a session goes through here. */
export function viewSession(actor: Actor, s: SessionRecord): SessionView {
  const { coachNotes, memberNotes, ...rest } = s;
  const view: SessionView = { ...rest, endsAt: new Date(s.scheduledAt.getTime() + s.duration * 60_000) };
  if (seesCoachNotes(actor, s)) view.coachNotes = coachNotes;
  if (seesMemberNotes(actor, s)) view.memberNotes = memberNotes;
  return view;
}

/**
 * "Last time:" — what the session before this one left behind, as one actor may see it. Everyone who
 * reads the session sees its commitments; its coach (or an admin) also sees their own private notes
 * and the member's rating. Another coach of the member sees neither notes nor rating, and a member
 * never sees private notes (Property 21; docs/design.md §10).
 */
export interface LastTimeView {
  sessionId: string;
  scheduledAt: Date;
  coachId: string;
  coachName: string;
  commitments: CommitmentView[];
  coachNotes?: string | null;
  rating?: number | null;
  ratingFeedback?: string | null;
}

export function viewLastTime(actor: Actor, last: SessionRecord): LastTimeView {
  const view: LastTimeView = {
    sessionId: last.id,
    scheduledAt: last.scheduledAt,
    coachId: last.coachId,
    coachName: last.coachName,
    commitments: last.commitments,
  };
  if (isAdmin(actor) || (actor.role === 'Coach' && actor.userId === last.coachId)) {
    view.coachNotes = last.coachNotes;
    view.rating = last.rating;
    view.ratingFeedback = last.ratingFeedback;
  }
  return view;
}

/** The coach's average rating: the mean of ratings of completed sessions (Property 44); null if none. */
export function averageRating(sessions: readonly { status: SessionStatus; rating: number | null }[]): number | null {
  const ratings = sessions.filter((s) => s.status === 'completed' && s.rating !== null).map((s) => s.rating as number);
  if (ratings.length === 0) return null;
  return ratings.reduce((a, b) => a + b, 0) / ratings.length;
}
