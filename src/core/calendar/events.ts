import { randomUUID } from 'node:crypto';
import type { DbTx } from '../../db/client.ts';

export const COACHING_SESSION_CATEGORY = 'Coaching Session';

export interface NewCalendarEvent {
  title: string;
  description?: string | null;
  startsAt: Date;
  endsAt: Date;
  category: string;
  creatorId: string;
  attendeeIds: string[];
}

/** Calendar events are the single record of time: sessions point at one (docs/properties.md, Property 17). */
export async function createCalendarEvent(tx: DbTx, event: NewCalendarEvent) {
  const id = randomUUID();
  return tx.calendarEvent.create({
    data: {
      id,
      title: event.title,
      description: event.description ?? null,
      startsAt: event.startsAt,
      endsAt: event.endsAt,
      category: event.category,
      creatorId: event.creatorId,
      icalUid: `${id}@coachbot`,
      attendees: { createMany: { data: event.attendeeIds.map((userId) => ({ userId })) } },
    },
  });
}

/** Moves an event; the raised SEQUENCE makes subscribed calendar apps take the new time. */
export async function moveCalendarEvent(tx: DbTx, eventId: string, startsAt: Date, endsAt: Date) {
  return tx.calendarEvent.update({
    where: { id: eventId },
    data: { startsAt, endsAt, sequence: { increment: 1 } },
  });
}

export async function cancelCalendarEvent(tx: DbTx, eventId: string) {
  return tx.calendarEvent.update({
    where: { id: eventId },
    data: { status: 'cancelled', sequence: { increment: 1 } },
  });
}
