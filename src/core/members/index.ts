export { createMembersService, memberInclude, presentMember, type MembersService, type MemberView } from './service.ts';
export { createSignupService, type SignupResult, type SignupService } from './signup.ts';
export { createMemberInput, MEMBERSHIP_STATUSES, ONBOARDING_STATUSES, updateMemberInput, type CreateMemberInput, type ListMembersInput, type SignupInput, type UpdateMemberInput } from './inputs.ts';
export { canManage, isCoachOf, requireCanRead, visibleMembers } from './rules.ts';
export { admitToCoach, lockCoach, lockMember } from './assignment.ts';
