import type { Prisma } from '../../db/client.ts';
import { hasPermission, isAdmin, type Actor } from '../access/index.ts';
import { ForbiddenError } from '../errors.ts';

// Who may see and change which member profile (Properties 2, 3, 55). Pure: the service loads the
// rows and asks these.

export interface MemberRef {
  userId: string;
  coachId: string | null;
}

/** The member profiles an actor may list: all for admins, a coach's own members, a member's self. */
export function visibleMembers(actor: Actor): Prisma.MemberProfileWhereInput {
  if (isAdmin(actor)) return {};
  if (actor.role === 'Coach') return { coachId: actor.userId };
  return { userId: actor.userId };
}

export function isCoachOf(actor: Actor, member: MemberRef): boolean {
  return actor.role === 'Coach' && member.coachId === actor.userId;
}

/** Refuses to show a profile outside the actor's view, saying why. */
export function requireCanRead(actor: Actor, member: MemberRef): void {
  if (isAdmin(actor) || actor.userId === member.userId || isCoachOf(actor, member)) return;
  throw actor.role === 'Coach'
    ? new ForbiddenError('not_your_member', 'This member is not assigned to you')
    : new ForbiddenError('not_your_profile', "You can only see your own member profile");
}

/** Managing a profile (coach notes, status, onboarding) is for its coach with members:write, and admins. */
export function canManage(actor: Actor, member: MemberRef): boolean {
  return isAdmin(actor) || (isCoachOf(actor, member) && hasPermission(actor, 'members:write'));
}

/** Fields a member may change on their own profile; the rest is the coach's or an admin's. */
export const SELF_EDITABLE = ['goals', 'healthInfo'] as const;

export function requireCanUpdate(actor: Actor, member: MemberRef, fields: readonly string[]): void {
  if (canManage(actor, member)) return;
  if (actor.userId === member.userId) {
    const denied = fields.filter((f) => !(SELF_EDITABLE as readonly string[]).includes(f));
    if (denied.length === 0) return;
    throw new ForbiddenError('coach_only_field', `Only your coach or an admin can change ${denied.join(', ')}`, { fields: denied });
  }
  requireCanRead(actor, member);
  throw new ForbiddenError('missing_permission', 'Missing permission members:write', { permission: 'members:write' });
}

/** Coach notes are the coach's working notes about a member: hidden from the member. */
export function canSeeCoachNotes(actor: Actor): boolean {
  return isAdmin(actor) || actor.role === 'Coach';
}

/** Assigning or moving a member between coaches is an admin's or a coaches:write holder's call. */
export function requireCanAssign(actor: Actor): void {
  if (hasPermission(actor, 'coaches:write')) return;
  throw new ForbiddenError('missing_permission', 'Missing permission coaches:write', { permission: 'coaches:write' });
}
