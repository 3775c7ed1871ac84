import { Prisma, type DbTx } from '../../db/client.ts';
import type { LedgerEntry } from './rules.ts';

// The ledger's writes and reads inside a caller's transaction. Every one of them runs under the
// coach lock of the ledger's coach (the caller holds it): the balance a booking reserves from is the
// one every other change waits for (docs/design.md §12). Entries are only ever inserted.

/** The member's ledger with one coach, oldest first; read under the coach lock to decide on it. */
export async function readLedger(tx: DbTx, memberId: string, coachId: string): Promise<LedgerEntry[]> {
  return tx.creditEntry.findMany({
    where: { memberId, coachId },
    orderBy: [{ at: 'asc' }, { createdAt: 'asc' }, { id: 'asc' }],
    select: { id: true, kind: true, amount: true, grantId: true, expiresAt: true, at: true, sessionId: true },
  });
}

/**
 * Settles a session's reserved credit: released (back to the grant it came from) or consumed. One
 * statement; nothing when the session reserved none, and nothing the second time (a session's
 * settlement is unique, `settledFor`), so at most one release or consume per reservation.
 */
export async function settleSessionCredit(tx: DbTx, sessionId: string, kind: 'release' | 'consume', by: { userId: string | null; at: Date }): Promise<void> {
  await tx.$executeRaw`
    INSERT INTO "credit_ledger" ("id", "memberId", "coachId", "kind", "amount", "grantId", "sessionId", "settledFor", "actorId", "at")
    SELECT gen_random_uuid()::text, r."memberId", r."coachId", ${kind}::"CreditEntryKind", ${kind === 'release' ? 1 : 0}::int, r."grantId", r."sessionId",
      r."sessionId", ${by.userId}, ${by.at}
    FROM "credit_ledger" r WHERE r."reservedFor" = ${sessionId}
    ON CONFLICT ("settledFor") DO NOTHING`;
}

/** The call that reserves a booking's credit under the lock (credits_reserve, a function of the migrations; SQLSTATE CB402 when none is left). */
export function reserveCreditCall(r: { coachId: string; memberId: string; sessionId: string; actorId: string; at: Date }): Prisma.Sql {
  return Prisma.sql`SELECT "credits_reserve"(${r.coachId}::text, ${r.memberId}::text, ${r.sessionId}::text, ${r.actorId}::text, ${r.at}::timestamp)`;
}

/** The SQLSTATE credits_reserve raises when the member has no live credit left. */
export const NO_CREDIT_LEFT = 'CB402';

/**
 * Tells the coach that a member's booking was refused for want of credit: once per run-out (the
 * dedupe key names the member's latest grant, so a new grant that runs out again tells again).
 * One statement, written with the refusal's key (docs/design.md §5: a repeated cause writes nothing).
 */
export async function tellCoachNoCredits(tx: DbTx, memberId: string, coachId: string, at: Date): Promise<void> {
  await tx.$executeRaw`
    INSERT INTO "notifications" ("id", "userId", "type", "payload", "dedupeKey", "deliverAfter", "createdAt", "updatedAt")
    SELECT gen_random_uuid()::text, ${coachId}, 'credits.exhausted',
      jsonb_build_object('memberId', m."id", 'memberUserId', m."userId", 'memberName', u."name"),
      'credits.exhausted:' || m."id" || ':' || ${coachId}::text || ':' || coalesce((
        SELECT g."id" FROM "credit_ledger" g WHERE g."memberId" = m."id" AND g."coachId" = ${coachId} AND g."id" = g."grantId" AND g."amount" > 0
        ORDER BY g."at" DESC, g."id" DESC LIMIT 1), 'none'),
      ${at}, ${at}, ${at}
    FROM "member_profiles" m JOIN "users" u ON u."id" = m."userId" WHERE m."id" = ${memberId}
    ON CONFLICT ("dedupeKey") DO NOTHING`;
}
