export { playgroundPlugin, type PlaygroundOptions } from './plugin.ts';
export { PlaygroundStore } from './store.ts';
export { WebChatPort } from './port.ts';
export { renderView, escapeHtml } from './render.ts';
export { playgroundServing, type PlaygroundServing } from './serving.ts';
