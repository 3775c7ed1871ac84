import { pageInput } from '../pagination.ts';
import { z } from 'zod';
import { slotDuration } from '../availability/index.ts';
import { id, instant } from '../validation.ts';

export const WAITLIST_STATUSES = ['waiting', 'offered', 'claimed', 'passed', 'expired', 'closed', 'left'] as const;

export const joinWaitlistInput = z.object({
  coachId: id.describe("The coach's user id"),
  /** The full slot's identity: its UTC start instant. */
  startsAt: instant,
  duration: slotDuration.default(60),
  memberId: id.optional().describe("Member profile id; the acting member's own when left out"),
});

export const listWaitlistInput = pageInput.extend({
  coachId: id.optional(),
  memberId: id.optional(),
  /** Entries in line or holding a seat (the default), or every entry, ended ones too. */
  scope: z.enum(['live', 'all']).default('live'),
});

export type JoinWaitlistInput = z.input<typeof joinWaitlistInput>;
export type ListWaitlistInput = z.input<typeof listWaitlistInput>;
