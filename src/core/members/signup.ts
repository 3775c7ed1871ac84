import type { CoreDeps } from '../deps.ts';
import { parseInput } from '../validation.ts';
import { insertUser, linkChatIdentity } from '../users/index.ts';
import { admitToCoach, announceAssignment } from './assignment.ts';
import type { MemberView } from './service.ts';
import { signupInput, type SignupInput } from './inputs.ts';

export interface SignupResult {
  member: MemberView;
  /** The direct conversation with the chosen coach, when one was chosen. */
  conversationId: string | null;
}

/**
 * A person becomes a Member (Properties 30–35): account, member profile (onboarding pending), the
 * chat identity they signed up from, and the chosen coach — all in one transaction, so a full
 * coach (409), a coach not accepting members (422), a taken email or an already linked chat
 * identity (409) leaves nothing behind. There is no actor: the person has no account yet.
 */
export function createSignupService({ db, clock }: CoreDeps) {
  return {
    async signupMember(input: SignupInput): Promise<SignupResult> {
      const data = parseInput(signupInput, input);
      const now = clock.now();
      return db.$transaction(async (tx) => {
        // The coach is checked (and locked) before anything is written.
        const coach = data.coachId ? await admitToCoach(tx, data.coachId) : null;
        const { user, memberProfile } = await insertUser(
          tx,
          { name: data.name, email: data.email, role: 'Member', timezone: data.timezone, locale: data.locale },
          now,
          { coachId: data.coachId, goals: data.goals },
        );
        if (data.chatIdentity) await linkChatIdentity(tx, user.id, data.chatIdentity);
        if (!memberProfile) throw new Error('a Member account was written without its member profile');
        const conversationId = coach
          ? await announceAssignment(
              tx,
              { memberId: memberProfile.id, memberUserId: user.id, memberName: user.name, coachUserId: coach.userId, previousCoachId: null, version: now },
              now,
            )
          : null;
        const member: MemberView = {
          ...memberProfile,
          user: { id: user.id, name: user.name, email: user.email, timezone: user.timezone, locale: user.locale, isActive: user.isActive },
          coach: coach && { id: coach.userId, name: coach.name },
        };
        return { member, conversationId };
      });
    },
  };
}

export type SignupService = ReturnType<typeof createSignupService>;
