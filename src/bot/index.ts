export { createBot, type Bot } from './bot.ts';
export type { BotDeps, BotLogger } from './context.ts';
export { checkView, checkForm, assertView, fitView, clip } from './check.ts';
export { createActionSigner, type ActionSigner } from './actions.ts';
export { sentenceFor } from './errors.ts';
export type * from './view.ts';
export type * from './inbound.ts';
export { ChatDeliveryError, type ChatPort, type Recipient, type Notice, type Presenter } from './port.ts';
export { LIMITS } from './view.ts';
