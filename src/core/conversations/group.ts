import type { DbTx } from '../../db/client.ts';

export interface SessionGroup {
  sessionId: string;
  coachUserId: string;
  memberUserId: string;
  title?: string | null;
}

/**
 * The optional group conversation of one session, with its coach and member (Property 46).
 * conversations.sessionId is unique, so asking twice for the same session returns the first one.
 */
export async function createSessionGroupConversation(tx: DbTx, g: SessionGroup) {
  const existing = await tx.conversation.findUnique({ where: { sessionId: g.sessionId }, include: { participants: true } });
  if (existing) return existing;
  return tx.conversation.create({
    data: {
      type: 'group',
      title: g.title ?? null,
      sessionId: g.sessionId,
      participants: { createMany: { data: [{ userId: g.coachUserId }, { userId: g.memberUserId }] } },
    },
    include: { participants: true },
  });
}

/** The group conversation of a session, or null when none was opened. */
export async function findSessionGroupConversation(tx: DbTx, sessionId: string) {
  return tx.conversation.findUnique({ where: { sessionId }, include: { participants: true } });
}
