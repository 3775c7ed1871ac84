import type { DbTx } from '../../db/client.ts';

export interface RatingSummary {
  /** Mean of the ratings of the coach's completed sessions (Property 44); null before the first. */
  averageRating: number | null;
  ratingCount: number;
}

/** One aggregate in the database; the pure `averageRating` rule states the same definition. */
export async function coachRatingSummary(tx: DbTx, coachUserId: string): Promise<RatingSummary> {
  const agg = await tx.session.aggregate({
    where: { coachId: coachUserId, status: 'completed', rating: { not: null } },
    _avg: { rating: true },
    _count: { rating: true },
  });
  return { averageRating: agg._avg.rating ?? null, ratingCount: agg._count.rating };
}
