import type { CoreDeps } from '../deps.ts';
import { answerDelivery, claimDelivery, releaseDelivery, type DeliveryKey } from './deliveries.ts';
import { chatIdentitiesOf, ensureChatLink, findAccountByUser, findChatAccount, touchChatIdentity, type ChatKey } from './identity.ts';
import { forgetLiveMessage, liveMessagesTouching, rememberLiveMessage, type LiveMessage, type LiveMessageRef } from './live.ts';
import { clearChatState, readChatState, writeChatState } from './states.ts';
import type { ChatIdentityInput } from '../users/index.ts';

export type { ChatAccount, ChatKey } from './identity.ts';
export type { DeliveryClaim, DeliveryKey } from './deliveries.ts';
export type { LiveMessage, LiveMessageRef } from './live.ts';

/**
 * What the chat bot keeps in PostgreSQL besides the domain: who a chat identity is, which
 * deliveries were handled, conversation state and the messages kept current. No permission
 * checks here: the bot calls these for the chat identity that is talking, never for another.
 */
export function createChatService({ db, clock }: Pick<CoreDeps, 'db' | 'clock'>) {
  return {
    account: (who: ChatKey) => findChatAccount(db, who),
    accountOf: (userId: string) => findAccountByUser(db, userId),
    /** The chat account talking was used now (see touchChatIdentity). */
    touch: (who: ChatKey) => touchChatIdentity(db, who, clock.now()),
    /** Everyone, for local tools that let a developer act as any user (the web playground). */
    localDirectory: () =>
      db.user.findMany({ where: { isActive: true }, select: { id: true, name: true, role: true }, orderBy: [{ role: 'asc' }, { name: 'asc' }], take: 200 }),
    identitiesOf: (userId: string) => chatIdentitiesOf(db, userId),
    ensureLink: (userId: string, identity: ChatIdentityInput) => ensureChatLink(db, userId, identity),
    claimDelivery: (key: DeliveryKey) => claimDelivery(db, key),
    answerDelivery: (key: DeliveryKey, effects: unknown) => answerDelivery(db, key, effects),
    releaseDelivery: (key: DeliveryKey) => releaseDelivery(db, key),
    readState: <T>(who: ChatKey, key: string) => readChatState<T>(db, who, key, clock.now()),
    writeState: (who: ChatKey, key: string, value: unknown, ttlMs: number) =>
      writeChatState(db, who, key, value, new Date(clock.now().getTime() + ttlMs)),
    clearState: (who: ChatKey, key: string) => clearChatState(db, who, key),
    rememberLive: (m: LiveMessage) => rememberLiveMessage(db, m),
    forgetLive: (ref: LiveMessageRef) => forgetLiveMessage(db, ref),
    liveTouching: (change: { coachId: string; from: Date; to: Date; sessionId?: string }) => liveMessagesTouching(db, change, clock.now()),
  };
}

export type ChatService = ReturnType<typeof createChatService>;
