export { createSlackAdapter, SLACK_BOT_SCOPES, type SlackAdapter, type SlackAdapterDeps, type SlackBot, type SlackSettings } from './adapter.ts';
export { slackSettings } from './settings.ts';
export { createSlackChatPort, type SlackChatPort } from './port.ts';
export { renderHome, renderMessage, renderModal, SLACK_LIMITS } from './render.ts';
