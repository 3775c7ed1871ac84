import { z } from 'zod';
import { pageInput } from '../pagination.ts';
import { id, timeZone } from '../validation.ts';
import { chatIdentityInput, email, locale, note, personName, singleLine } from '../users/index.ts';

export const MEMBERSHIP_STATUSES = ['active', 'inactive', 'paused'] as const;
export const ONBOARDING_STATUSES = ['pending', 'in_progress', 'completed'] as const;

export const goals = note(2000);
export const healthInfo = note(4000);
export const coachNotes = note(10000);

export const listMembersInput = pageInput.extend({
  coachId: id.optional(),
  membershipStatus: z.enum(MEMBERSHIP_STATUSES).optional(),
  onboardingStatus: z.enum(ONBOARDING_STATUSES).optional(),
  search: singleLine(100).optional(),
});

export const createMemberInput = z.object({
  userId: id.describe('A Member account without a profile'),
  coachId: id.nullish(),
  goals: goals.optional(),
  healthInfo: healthInfo.optional(),
});

export const updateMemberInput = z
  .object({
    goals: goals.optional(),
    healthInfo: healthInfo.optional(),
    coachNotes: coachNotes.optional(),
    membershipStatus: z.enum(MEMBERSHIP_STATUSES).optional().describe('Coach or admin only'),
  })
  .refine((changes) => Object.values(changes).some((v) => v !== undefined), { message: 'names nothing to update' });

export const signupInput = z.object({
  name: personName,
  email: email.nullish(),
  timezone: timeZone.default('UTC'),
  locale: locale.default('en'),
  coachId: id.nullish(),
  goals: goals.optional(),
  chatIdentity: chatIdentityInput.optional(),
});

export type ListMembersInput = z.input<typeof listMembersInput>;
export type CreateMemberInput = z.input<typeof createMemberInput>;
export type UpdateMemberInput = z.input<typeof updateMemberInput>;
export type SignupInput = z.input<typeof signupInput>;
