import { pgPool, pgQuery, Prisma, type Db } from '../../db/client.ts';
import type { Clock } from '../clock.ts';
import { noticeRoute } from './routing.ts';
import { staleTimedReason, TIMED_NOTIFICATION_TYPES, type TimedSessionState } from './timed.ts';

// Exactly-once delivery of an outbox row (docs/design.md §5): a worker CLAIMS the row in one
// conditional UPDATE before calling the chat platform and MARKS it sent after. A second worker (a
// stalled job run again, a duplicate job) finds it claimed or sent and does nothing. The claim is a
// lease: a worker that died holding it (SIGKILL, lost machine) leaves a claim that another takes
// over once the lease ends. The one window for a duplicate is a crash after the platform accepted the
// message and before the mark: milliseconds, one UPDATE.
//
// Leases run on the database's own clock (real time), not the injected Clock: they bound how long a
// dead worker blocks a row, an operational matter, whereas sentAt is domain time.

/** One of the places a notice can go: a chat identity of the recipient. */
export interface ChatAddress {
  /** The chat identity's id (to record it unreachable). */
  identityId: string;
  platform: 'slack' | 'discord' | 'telegram' | 'web';
  scope: string;
  platformUserId: string;
  dmChannelId: string | null;
  /** Delivery here failed for good earlier (see markUnreachable); null while reachable. */
  unreachableReason: string | null;
}

export interface ClaimedNotification {
  id: string;
  userId: string;
  type: string;
  payload: Record<string, unknown>;
  /** Attempts including this one. */
  attempts: number;
  /** When it fell due (its deliverAfter: a reminder's moment, or when an immediate one was written). */
  dueAt: Date;
  /**
   * Every chat identity of the recipient, in the order to try them (noticeRoute): the preferred
   * platform first, then the one last used, then the rest; unreachable ones last, marked. Empty
   * when the user has no linked chat identity.
   */
  addresses: ChatAddress[];
  /** Set for a reminder or prompt that must no longer go out (its session moved, ended, ...). */
  staleReason: string | null;
}

export type ClaimResult =
  | { outcome: 'claimed'; notification: ClaimedNotification }
  /** Sent, failed or skipped already, or no such row: nothing to do. */
  | { outcome: 'settled' }
  /** Another worker holds a live claim (or it is not due yet): try again after `retryInMs`. */
  | { outcome: 'busy'; retryInMs: number };

/** What the claim statement returns: the notification before its staleness is judged from the session. */
type ClaimRow = Omit<ClaimedNotification, 'staleReason' | 'dueAt' | 'addresses'> & {
  dueAtMs: number;
  session: TimedSessionState | null;
  preferredPlatform: ChatAddress['platform'] | null;
  addresses: (ChatAddress & { lastUsedAtMs: number | null; createdAtMs: number })[];
};

/** The claimed row's addresses in the order of noticeRoute, the one rule of where notices go. */
function routed(r: ClaimRow): ChatAddress[] {
  const identities = r.addresses.map((a) => ({
    ...a,
    id: a.identityId,
    lastUsedAt: a.lastUsedAtMs === null ? null : new Date(a.lastUsedAtMs),
    createdAt: new Date(a.createdAtMs),
    unreachableAt: a.unreachableReason === null ? null : new Date(0),
  }));
  return noticeRoute(identities, r.preferredPlatform).map((i) => ({
    identityId: i.identityId,
    platform: i.platform,
    scope: i.scope,
    platformUserId: i.platformUserId,
    dmChannelId: i.dmChannelId,
    unreachableReason: i.unreachableReason,
  }));
}

const REAL_NOW = Prisma.raw(`(clock_timestamp() AT TIME ZONE 'UTC')`);

export interface NotificationDelivery {
  /** Claims the rows for delivery, each in the same conditional UPDATE; unclaimable ids are answered too. */
  claim(ids: readonly string[], leaseMs: number): Promise<Map<string, ClaimResult>>;
  /** Marks claimed rows sent, once each; returns the ids marked (a missing one had lost its claim). */
  markSent(ids: readonly string[]): Promise<Set<string>>;
  /**
   * Both at once, in ONE statement: the marks of deliveries just sent and the claims of those just
   * starting share a commit, the flush to disk that a burst of deliveries otherwise waits on twice.
   * A row in both lists is only marked (its claim is answered as settled or busy).
   */
  claimAndMark(request: { claim: readonly string[]; markSent: readonly string[]; leaseMs: number }): Promise<{ claims: Map<string, ClaimResult>; marked: Set<string> }>;
  /** Records a final failure, or a skip (no chat identity, stale reminder), with its reason. */
  settle(id: string, status: 'failed' | 'skipped', reason: string): Promise<void>;
  /** Gives a claim back after a failed attempt that will be retried, keeping the reason. */
  release(id: string, reason: string): Promise<void>;
  /**
   * Records that delivery to a chat identity failed for good (the bot blocked, the workspace
   * uninstalled, the DM closed): notices go to the user's next linked platform until they write
   * from this one again.
   */
  markUnreachable(identityId: string, reason: string): Promise<void>;
  /**
   * Takes the duty of telling the user why the identities named no longer get notices: answers
   * those not told before (with why), marked told now, so two workers cannot both tell it.
   */
  claimTelling(identityIds: readonly string[]): Promise<{ platform: ChatAddress['platform']; reason: string }[]>;
}

export function createNotificationDelivery(deps: { db: Db; clock: Clock }): NotificationDelivery {
  const pool = () => pgPool(deps.db);
  const now = () => deps.clock.now();
  const timedTypes = [...TIMED_NOTIFICATION_TYPES];

  async function run<R>(sql: Prisma.Sql, name: string): Promise<R[]> {
    const c = await pool().connect();
    try {
      return await pgQuery<R>(c, sql, name);
    } finally {
      c.release();
    }
  }

  /** What the rows that were not claimed are doing: another worker's live claim, not due yet, or done. */
  async function unclaimed(ids: readonly string[], at: Date): Promise<Map<string, ClaimResult>> {
    const results = new Map<string, ClaimResult>();
    if (!ids.length) return results;
    const states = await run<{ id: string; status: string; leaseLeftMs: number | null; dueInMs: number }>(
      Prisma.sql`
      SELECT n."id", n."status",
        (extract(epoch FROM n."claimedUntil" - ${REAL_NOW}) * 1000)::float8 AS "leaseLeftMs",
        (extract(epoch FROM n."deliverAfter" - ${at}::timestamp) * 1000)::float8 AS "dueInMs"
      FROM "notifications" n WHERE n."id" = ANY(${[...ids]}::text[])`,
      'notifications.claim_missed',
    );
    const byId = new Map(states.map((s) => [s.id, s]));
    for (const id of ids) {
      const s = byId.get(id);
      if (s?.status === 'sending') results.set(id, { outcome: 'busy', retryInMs: Math.max(1, Math.ceil(s.leaseLeftMs ?? 1)) });
      else if (s?.status === 'pending') results.set(id, { outcome: 'busy', retryInMs: Math.max(1, Math.ceil(s.dueInMs)) });
      else results.set(id, { outcome: 'settled' });
    }
    return results;
  }

  function claimed(r: ClaimRow, at: Date): ClaimResult {
    const session = r.session && { ...r.session, scheduledAtMs: Number(r.session.scheduledAtMs) };
    const isTimed = (timedTypes as string[]).includes(r.type);
    return {
      outcome: 'claimed',
      notification: {
        id: r.id,
        userId: r.userId,
        type: r.type,
        payload: r.payload,
        attempts: r.attempts,
        dueAt: new Date(r.dueAtMs),
        addresses: routed(r),
        staleReason: isTimed ? staleTimedReason(r.type, r.payload, session, at) : null,
      },
    };
  }

  const delivery: NotificationDelivery = {
    async claimAndMark({ claim, markSent, leaseMs }) {
      const at = now();
      const marks = [...markSent];
      // One statement: the marks, the claims (of rows not being marked), each claimed row's recipient's
      // newest chat identity, and the session a reminder or prompt is about (to drop it when the
      // session moved or ended).
      const [row] = await run<{ marked: string[]; claimed: ClaimRow[] }>(
        Prisma.sql`
        WITH marked AS (
          UPDATE "notifications" SET "status" = 'sent', "sentAt" = ${at}::timestamp, "claimedUntil" = NULL, "updatedAt" = ${at}::timestamp
          WHERE "id" = ANY(${marks}::text[]) AND "status" = 'sending'
          RETURNING "id"
        ),
        claimed AS (
          UPDATE "notifications" n
          SET "status" = 'sending', "attempts" = n."attempts" + 1,
            "claimedUntil" = ${REAL_NOW} + ${leaseMs} * interval '1 millisecond', "updatedAt" = ${at}::timestamp
          -- PostgreSQL leaves it unspecified which of two updates of one row in a statement wins: not this one.
          WHERE n."id" = ANY(${[...claim]}::text[]) AND NOT (n."id" = ANY(${marks}::text[])) AND n."deliverAfter" <= ${at}::timestamp
            -- Claimable: pending, or a claim whose lease ran out. Written as a CASE so that the rows are
            -- found by id alone: with the (status, deliverAfter) index the planner would scan every
            -- pending row due, all of a burst, whenever its statistics predate the burst.
            AND CASE n."status" WHEN 'pending' THEN true WHEN 'sending' THEN n."claimedUntil" < ${REAL_NOW} ELSE false END
          RETURNING n."id", n."userId", n."type", n."payload", n."attempts", n."deliverAfter"
        )
        SELECT
          (SELECT COALESCE(json_agg(m."id"), '[]'::json) FROM marked m) AS "marked",
          (SELECT COALESCE(json_agg(r), '[]'::json) FROM (
            SELECT c."id", c."userId", c."type", c."payload", c."attempts", (extract(epoch FROM c."deliverAfter") * 1000)::float8 AS "dueAtMs",
              (SELECT u."preferredPlatform" FROM "users" u WHERE u."id" = c."userId") AS "preferredPlatform",
              (SELECT COALESCE(json_agg(json_build_object('identityId', i."id", 'platform', i."platform", 'scope', i."scope",
                   'platformUserId', i."platformUserId", 'dmChannelId', i."dmChannelId",
                   'unreachableReason', CASE WHEN i."unreachableAt" IS NULL THEN NULL ELSE COALESCE(i."unreachableReason", 'unreachable') END,
                   'lastUsedAtMs', (extract(epoch FROM i."lastUsedAt") * 1000)::float8, 'createdAtMs', (extract(epoch FROM i."createdAt") * 1000)::float8)), '[]'::json)
                 FROM "chat_identities" i WHERE i."userId" = c."userId") AS "addresses",
              (SELECT json_build_object('status', s."status", 'scheduledAtMs', (extract(epoch FROM s."scheduledAt") * 1000)::bigint, 'rated', s."rating" IS NOT NULL)
                 FROM "sessions" s WHERE c."type" = ANY(${timedTypes}::text[]) AND s."id" = c."payload"->>'sessionId') AS "session"
            FROM claimed c) r) AS "claimed"`,
        'notifications.claim_and_mark',
      );
      const claims = new Map(row!.claimed.map((r) => [r.id, claimed(r, at)] as const));
      const missed = await unclaimed(claim.filter((id) => !claims.has(id)), at);
      return { claims: new Map([...claims, ...missed]), marked: new Set(row!.marked) };
    },

    async claim(ids, leaseMs) {
      return (await delivery.claimAndMark({ claim: ids, markSent: [], leaseMs })).claims;
    },

    async markSent(ids) {
      return (await delivery.claimAndMark({ claim: [], markSent: ids, leaseMs: 0 })).marked;
    },

    async settle(id, status, reason) {
      await run(
        Prisma.sql`UPDATE "notifications" SET "status" = ${status}::"NotificationStatus", "failureReason" = ${reason.slice(0, 1000)},
          "claimedUntil" = NULL, "updatedAt" = ${now()}::timestamp
          WHERE "id" = ${id} AND "status" IN ('pending', 'sending')`,
        'notifications.settle',
      );
    },

    async markUnreachable(identityId, reason) {
      await run(
        Prisma.sql`UPDATE "chat_identities" SET "unreachableAt" = ${now()}::timestamp, "unreachableReason" = ${reason.slice(0, 500)},
          "unreachableTold" = false, "updatedAt" = ${now()}::timestamp
          WHERE "id" = ${identityId} AND "unreachableAt" IS NULL`,
        'chat_identities.mark_unreachable',
      );
    },

    async claimTelling(identityIds) {
      if (!identityIds.length) return [];
      return run<{ platform: ChatAddress['platform']; reason: string }>(
        Prisma.sql`UPDATE "chat_identities" SET "unreachableTold" = true
          WHERE "id" = ANY(${[...identityIds]}::text[]) AND "unreachableAt" IS NOT NULL AND NOT "unreachableTold"
          RETURNING "platform"::text AS "platform", COALESCE("unreachableReason", 'unreachable') AS "reason"`,
        'chat_identities.claim_telling',
      );
    },

    async release(id, reason) {
      await run(
        Prisma.sql`UPDATE "notifications" SET "status" = 'pending', "failureReason" = ${reason.slice(0, 1000)}, "claimedUntil" = NULL,
          "updatedAt" = ${now()}::timestamp
          WHERE "id" = ${id} AND "status" = 'sending'`,
        'notifications.release',
      );
    },
  };
  return delivery;
}
