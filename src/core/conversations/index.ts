export { directKey, ensureDirectConversation } from './direct.ts';
export { createConversationsService, type ConversationsService } from './service.ts';
export { createSessionGroupConversation, findSessionGroupConversation, type SessionGroup } from './group.ts';
