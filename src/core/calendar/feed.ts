import { createHash, randomBytes } from 'node:crypto';
import { z } from 'zod';
import { isAdmin, type Actor } from '../access/index.ts';
import { ForbiddenError, NotFoundError } from '../errors.ts';
import type { CoreDeps } from '../deps.ts';
import { id, parseInput } from '../validation.ts';
import { COACHING_SESSION_CATEGORY } from './events.ts';
import { renderIcs, type FeedEvent } from './ics.ts';

/** How far back a feed reaches; older sessions stay in the database, not in every poll. */
export const FEED_HISTORY_DAYS = 180;
/** An upper bound on one feed's size, so a poll stays cheap whatever the history. */
export const FEED_MAX_EVENTS = 2000;

const feedToken = z.string().regex(/^[A-Za-z0-9_-]{43}$/, { message: 'must be a calendar feed token' });

export function hashFeedToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export interface CreatedFeed {
  feedId: string;
  /** The secret, shown once: only its sha256 is stored. */
  token: string;
  createdAt: Date;
}

function requireSelfOrAdmin(actor: Actor, userId: string): void {
  if (actor.userId !== userId && !isAdmin(actor)) {
    throw new ForbiddenError('not_your_feed', "You cannot manage another user's calendar feed");
  }
}

/**
 * A per-user secret ICS subscription of the user's sessions. A user has at most one live feed:
 * creating one revokes the previous, so a leaked URL is fixed by making a new one.
 */
export function createCalendarFeedService({ db, clock }: Pick<CoreDeps, 'db' | 'clock'>) {
  return {
    async createFeed(actor: Actor, userId: string): Promise<CreatedFeed> {
      const input = parseInput(z.object({ userId: id }), { userId });
      requireSelfOrAdmin(actor, input.userId);
      const user = await db.user.findUnique({ where: { id: input.userId }, select: { id: true } });
      if (!user) throw new NotFoundError('User', input.userId);
      const token = randomBytes(32).toString('base64url');
      const now = clock.now();
      const feed = await db.$transaction(async (tx) => {
        await tx.calendarFeed.updateMany({ where: { userId: user.id, revokedAt: null }, data: { revokedAt: now } });
        return tx.calendarFeed.create({ data: { userId: user.id, tokenHash: hashFeedToken(token), createdAt: now } });
      });
      return { feedId: feed.id, token, createdAt: feed.createdAt };
    },

    /** Revokes the user's live feed; its URL answers "not found" from then on. */
    async revokeFeed(actor: Actor, userId: string): Promise<{ revoked: number }> {
      const input = parseInput(z.object({ userId: id }), { userId });
      requireSelfOrAdmin(actor, input.userId);
      const { count } = await db.calendarFeed.updateMany({
        where: { userId: input.userId, revokedAt: null },
        data: { revokedAt: clock.now() },
      });
      return { revoked: count };
    },

    /** The ICS text for a feed token; the token is the credential, so no actor is involved. */
    async renderFeed(token: string): Promise<string> {
      const input = parseInput(z.object({ token: feedToken }), { token });
      const feed = await db.calendarFeed.findUnique({
        where: { tokenHash: hashFeedToken(input.token) },
        select: { revokedAt: true, user: { select: { id: true, isActive: true, name: true } } },
      });
      if (!feed || feed.revokedAt || !feed.user.isActive) throw new NotFoundError('Calendar feed');
      const userId = feed.user.id;
      const now = clock.now();
      const since = new Date(now.getTime() - FEED_HISTORY_DAYS * 86_400_000);
      const mine = {
        category: COACHING_SESSION_CATEGORY,
        session: { isNot: null },
        OR: [{ creatorId: userId }, { attendees: { some: { userId } } }],
      };
      const select = {
        icalUid: true,
        sequence: true,
        status: true,
        startsAt: true,
        endsAt: true,
        createdAt: true,
        updatedAt: true,
        creatorId: true,
        session: {
          select: {
            type: true,
            duration: true,
            coach: { select: { name: true } },
            member: { select: { user: { select: { name: true } } } },
            // Both parties read a session's commitments; private notes never go into a feed.
            commitments: { select: { text: true, dueDate: true, doneAt: true, createdAt: true }, orderBy: { position: 'asc' } },
          },
        },
      } as const;
      // What is still to come always fits first (it is what subscribers act on); history fills the
      // rest of the budget, newest first.
      const upcoming = await db.calendarEvent.findMany({
        where: { ...mine, endsAt: { gte: now } },
        select,
        orderBy: [{ startsAt: 'asc' }, { id: 'asc' }],
        take: FEED_MAX_EVENTS,
      });
      const past = await db.calendarEvent.findMany({
        where: { ...mine, endsAt: { gte: since, lt: now } },
        select,
        orderBy: [{ startsAt: 'desc' }, { id: 'desc' }],
        take: FEED_MAX_EVENTS - upcoming.length,
      });
      const rows = [...past.reverse(), ...upcoming];
      const events: FeedEvent[] = rows.map((r) => {
        const other = r.creatorId === userId ? r.session?.member.user.name : r.session?.coach.name;
        const commitments = r.session?.commitments ?? [];
        // A commitment written or marked done changes the description: calendar apps see a newer event.
        const changedAt = Math.max(r.updatedAt.getTime(), ...commitments.flatMap((c) => [c.createdAt.getTime(), c.doneAt?.getTime() ?? 0]));
        return {
          uid: r.icalUid,
          sequence: r.sequence,
          status: r.status,
          startsAt: r.startsAt,
          endsAt: r.endsAt,
          createdAt: r.createdAt,
          updatedAt: new Date(changedAt),
          summary: `${COACHING_SESSION_CATEGORY} with ${other ?? 'your coach'}`,
          description: [
            `${r.session?.type ?? 'regular'} session, ${r.session?.duration ?? 0} minutes`,
            ...(commitments.length ? ['Commitments:'] : []),
            ...commitments.map((c) => `${c.doneAt ? '✓' : '☐'} ${c.text}${c.dueDate && !c.doneAt ? ` (due ${c.dueDate.toISOString().slice(0, 10)})` : ''}`),
          ].join('\n'),
        };
      });
      return renderIcs(`Coachbot: ${feed.user.name}`, events);
    },
  };
}

export type CalendarFeedService = ReturnType<typeof createCalendarFeedService>;
