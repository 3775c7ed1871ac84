export { createUsersService, type UsersService } from './service.ts';
export { insertUser, ensureRoleProfile, findUserByRef, isUniqueViolation, type NewUser, type NewMemberDetails } from './records.ts';
export { chatIdentityInput, linkChatIdentity, type ChatIdentityInput } from './identities.ts';
export { createUserInput, updateUserInput, email, locale, note, personName, singleLine, ROLES, type CreateUserInput, type UpdateUserInput, type ListUsersInput } from './inputs.ts';
