import type { Prisma, DbTx } from '../../db/client.ts';
import type { ChatIdentityInput } from '../users/index.ts';

// Messages kept current: slot pickers and session cards, remembered with where they were sent so
// that a change of seats, made by any process, can redraw them in place.

export interface LiveMessageRef {
  platform: ChatIdentityInput['platform'];
  channelId: string;
  messageId: string;
}

export interface LiveMessage extends LiveMessageRef {
  viewerId: string;
  coachId: string;
  sessionId: string | null;
  startsAt: Date;
  endsAt: Date;
  screen: unknown;
  expiresAt: Date;
}

/** Remembers (or re-points) a message; one message shows one thing at a time. */
export async function rememberLiveMessage(db: DbTx, m: LiveMessage): Promise<void> {
  const id = { platform: m.platform, channelId: m.channelId, messageId: m.messageId };
  const data = {
    viewerId: m.viewerId,
    coachId: m.coachId,
    sessionId: m.sessionId,
    startsAt: m.startsAt,
    endsAt: m.endsAt,
    screen: m.screen as Prisma.InputJsonValue,
    expiresAt: m.expiresAt,
  };
  await db.chatLiveMessage.upsert({ where: { platform_channelId_messageId: id }, create: { ...id, ...data }, update: data });
}

export async function forgetLiveMessage(db: DbTx, ref: LiveMessageRef): Promise<void> {
  await db.chatLiveMessage.deleteMany({ where: { platform: ref.platform, channelId: ref.channelId, messageId: ref.messageId } });
}

/**
 * Live messages a change touches: those of the coach whose time span overlaps [from, to), and the
 * cards of the session itself. Expired ones are dropped on the way.
 */
export async function liveMessagesTouching(
  db: DbTx,
  change: { coachId: string; from: Date; to: Date; sessionId?: string },
  now: Date,
): Promise<LiveMessage[]> {
  await db.chatLiveMessage.deleteMany({ where: { expiresAt: { lte: now } } });
  const rows = await db.chatLiveMessage.findMany({
    where: {
      OR: [
        { coachId: change.coachId, startsAt: { lt: change.to }, endsAt: { gt: change.from } },
        ...(change.sessionId ? [{ sessionId: change.sessionId }] : []),
      ],
    },
    orderBy: { createdAt: 'asc' },
  });
  return rows.map((r) => ({ ...r, screen: r.screen as unknown }));
}
