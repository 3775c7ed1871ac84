import { randomUUID } from 'node:crypto';
import type { DbTx } from '../../db/client.ts';

/** The key that makes a pair of users have one direct conversation, whichever side starts it. */
export function directKey(userA: string, userB: string): string {
  return [userA, userB].sort().join(':');
}

/**
 * Finds or creates the direct conversation of two users with both as participants, in the
 * caller's transaction. One statement, so two assignments racing for the same pair both end up
 * with the one row the unique directKey allows instead of a unique-violation error.
 */
export async function ensureDirectConversation(tx: DbTx, userA: string, userB: string, now: Date): Promise<string> {
  const key = directKey(userA, userB);
  const rows = await tx.$queryRaw<{ id: string }[]>`
    WITH c AS (
      INSERT INTO "conversations" ("id", "type", "directKey", "createdAt", "updatedAt")
      VALUES (${randomUUID()}, 'direct', ${key}, ${now}, ${now})
      ON CONFLICT ("directKey") DO UPDATE SET "directKey" = EXCLUDED."directKey"
      RETURNING "id"
    ), p AS (
      INSERT INTO "conversation_participants" ("conversationId", "userId", "joinedAt")
      SELECT c."id", u, ${now} FROM c, unnest(ARRAY[${userA}, ${userB}]::text[]) AS u
      ON CONFLICT DO NOTHING
    )
    SELECT "id" FROM c`;
  const row = rows[0];
  if (!row) throw new Error(`direct conversation ${key} was neither found nor created`);
  return row.id;
}
