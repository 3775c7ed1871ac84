import { z } from 'zod';
import type { Prisma, DbTx } from '../../db/client.ts';
import { parseInput } from '../validation.ts';
import type { ChatKey } from './identity.ts';

// Conversation state of one chat user, kept in PostgreSQL rather than a process's memory so that
// any bot process can continue a conversation another one started.

export async function readChatState<T>(db: DbTx, who: ChatKey, key: string, now: Date): Promise<T | null> {
  const row = await db.chatState.findUnique({
    where: { platform_scope_platformUserId_key: { platform: who.platform, scope: who.scope, platformUserId: who.platformUserId, key } },
  });
  if (!row || row.expiresAt.getTime() <= now.getTime()) return null;
  return row.value as T;
}

/** What a user typed is kept as they typed it; text JSONB cannot hold (NUL, a lone surrogate) is a ValidationError, not a driver error. */
const stateValue = z.record(z.string(), z.unknown());

export async function writeChatState(db: DbTx, who: ChatKey, key: string, value: unknown, expiresAt: Date): Promise<void> {
  parseInput(stateValue, { [key]: value });
  const id = { platform: who.platform, scope: who.scope, platformUserId: who.platformUserId, key };
  const data = { value: value as Prisma.InputJsonValue, expiresAt };
  await db.chatState.upsert({ where: { platform_scope_platformUserId_key: id }, create: { ...id, ...data }, update: data });
}

export async function clearChatState(db: DbTx, who: ChatKey, key: string): Promise<void> {
  await db.chatState.deleteMany({ where: { platform: who.platform, scope: who.scope, platformUserId: who.platformUserId, key } });
}
