import ical, { ICalEventStatus } from 'ical-generator';
import type { CalendarEventStatus } from '../../db/client.ts';

/** One event as a subscriber's calendar app gets it; nothing private (no notes) goes in. */
export interface FeedEvent {
  uid: string;
  sequence: number;
  status: CalendarEventStatus;
  startsAt: Date;
  endsAt: Date;
  createdAt: Date;
  updatedAt: Date;
  summary: string;
  description: string;
}

const STATUS: Record<CalendarEventStatus, ICalEventStatus> = {
  confirmed: ICalEventStatus.CONFIRMED,
  tentative: ICalEventStatus.TENTATIVE,
  cancelled: ICalEventStatus.CANCELLED,
};

/**
 * Renders a subscription feed. The stable UID and the rising SEQUENCE make calendar apps update
 * an event in place when a session moves, and STATUS:CANCELLED makes them drop it. A published
 * feed has no METHOD, so DTSTAMP is the event's last change (RFC 5545 §3.8.7.2).
 */
export function renderIcs(name: string, events: readonly FeedEvent[]): string {
  const calendar = ical({ name, prodId: { company: 'Coachbot', product: 'Sessions', language: 'EN' } });
  for (const e of events) {
    calendar.createEvent({
      id: e.uid,
      sequence: e.sequence,
      status: STATUS[e.status],
      start: e.startsAt,
      end: e.endsAt,
      stamp: e.updatedAt,
      created: e.createdAt,
      lastModified: e.updatedAt,
      summary: e.summary,
      description: e.description,
    });
  }
  return calendar.toString();
}
