import { Prisma, type DbTx } from '../../db/client.ts';
import { isAdmin, type Actor } from '../access/index.ts';

/** A coach as shown to people: profile, account, and the figures computed from members and sessions. */
export interface CoachView {
  /** The coach's user id: the id every coachId in the model refers to. */
  id: string;
  profileId: string;
  name: string;
  /** Only for an admin or the coach themself: left out of the view anyone else gets. */
  email?: string | null;
  isActive: boolean;
  specialization: string | null;
  bio: string | null;
  certifications: string | null;
  maxMembers: number;
  isAcceptingMembers: boolean;
  /** IANA zone of the coach's weekly availability. */
  timezone: string;
  /** Whether a booking spends one of the member's credits (docs/design.md §12). */
  requiresCredits: boolean;
  /** A cancellation within this many hours of the start is late. */
  cancellationCutoffHours: number;
  lateCancelConsumes: boolean;
  noShowConsumes: boolean;
  /** Active members assigned to the coach (Property 10). */
  currentMemberCount: number;
  /** Whether another member fits: listings show full coaches with this flag rather than hide them. */
  hasCapacity: boolean;
  /** Mean rating of the coach's completed sessions; null before the first rating (Property 44). */
  averageRating: number | null;
  ratingCount: number;
  createdAt: Date;
  updatedAt: Date;
}

type CoachRow = Omit<CoachView, 'hasCapacity' | 'email'> & { email: string | null };

/**
 * Coaches with their member count and rating in one statement, whatever the number of coaches
 * (one lateral aggregate per coach row, each served by the coachId indexes). A coach's email is
 * shown only to `viewer` when an admin or that coach; without a viewer (the public listing) to no one.
 */
export async function queryCoaches(
  db: DbTx,
  where: Prisma.Sql,
  page: { limit: number; cursor?: string | undefined },
  viewer?: Actor,
): Promise<CoachView[]> {
  const after = page.cursor
    ? Prisma.sql`AND (u."name", u."id") > (SELECT "name", "id" FROM "users" WHERE "id" = ${page.cursor})`
    : Prisma.empty;
  const rows = await db.$queryRaw<CoachRow[]>`
    SELECT u."id", cp."id" AS "profileId", u."name", u."email", u."isActive",
           cp."specialization", cp."bio", cp."certifications", cp."maxMembers", cp."isAcceptingMembers", cp."timezone",
           cp."requiresCredits", cp."cancellationCutoffHours", cp."lateCancelConsumes", cp."noShowConsumes",
           mc."currentMemberCount", r."averageRating", r."ratingCount", cp."createdAt", cp."updatedAt"
    FROM "coach_profiles" cp
    JOIN "users" u ON u."id" = cp."userId"
    CROSS JOIN LATERAL (
      SELECT count(*)::int AS "currentMemberCount" FROM "member_profiles" m
      WHERE m."coachId" = cp."userId" AND m."membershipStatus" = 'active'
    ) mc
    CROSS JOIN LATERAL (
      SELECT avg(s."rating")::float8 AS "averageRating", count(s."rating")::int AS "ratingCount" FROM "sessions" s
      WHERE s."coachId" = cp."userId" AND s."status" = 'completed'
    ) r
    WHERE u."role" = 'Coach' AND ${where} ${after}
    ORDER BY u."name", u."id"
    LIMIT ${page.limit}`;
  return rows.map(({ email, ...row }) => ({
    ...row,
    ...(viewer && (isAdmin(viewer) || viewer.userId === row.id) ? { email } : {}),
    hasCapacity: row.currentMemberCount < row.maxMembers,
  }));
}
