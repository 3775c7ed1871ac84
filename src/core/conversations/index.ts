export { directKey, ensureDirectConversation } from './direct.ts';
export { createConversationsService, type ConversationsService } from './service.ts';
