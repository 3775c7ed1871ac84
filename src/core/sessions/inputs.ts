import { z } from 'zod';
import { MAX_SLOT_MINUTES, MIN_SLOT_MINUTES } from '../availability/index.ts';
import { pageInput } from '../pagination.ts';
import { calendarDate, id, instant, singleLine, text } from '../validation.ts';

// The input contract of every sessions entry point; the API and the bot reuse these schemas.

export const SESSION_TYPES = ['initial', 'regular', 'followup'] as const;
export const SESSION_STATUSES = ['scheduled', 'completed', 'cancelled', 'no_show'] as const;

/** The same bounds as a booked slot, so a session made by hand could have been booked. */
export const sessionDuration = z.coerce
  .number({ message: 'must be a number of minutes' })
  .int({ message: 'must be a whole number of minutes' })
  .min(MIN_SLOT_MINUTES, { message: `must be at least ${MIN_SLOT_MINUTES} minutes` })
  .max(MAX_SLOT_MINUTES, { message: `must be at most ${MAX_SLOT_MINUTES} minutes` });

const notes = text(5000);

export const createSessionInput = z.object({
  /** sessions.memberId targets member_profiles. */
  memberId: id.describe('Member profile id'),
  coachId: id.describe("The coach's user id"),
  scheduledAt: instant,
  duration: sessionDuration,
  type: z.enum(SESSION_TYPES),
  memberNotes: notes.optional(),
  /** Opens a group conversation with the coach and the member (Property 46). */
  createGroupConversation: z.boolean().optional().default(false),
});

export const updateSessionInput = z
  .object({
    type: z.enum(SESSION_TYPES).optional(),
    duration: sessionDuration.optional(),
    coachNotes: notes.nullable().optional(),
    outcomes: notes.nullable().optional(),
  })
  .refine((v) => Object.values(v).some((x) => x !== undefined), { message: 'must change at least one field' });

export const rescheduleSessionInput = z.object({
  scheduledAt: instant,
  duration: sessionDuration.optional(),
});

/** The most commitments one completion records, and how long each may be: short action items. */
export const MAX_COMMITMENTS = 10;
export const MAX_COMMITMENT_CHARS = 200;

/** A short action item the member takes away from a session, with an optional due day. */
export const commitmentInput = z.object({
  text: singleLine(MAX_COMMITMENT_CHARS),
  dueDate: calendarDate.nullish(),
});

export const completeSessionInput = z.object({
  coachNotes: notes.trim().min(1, { message: 'is required' }),
  outcomes: notes.optional(),
  commitments: z.array(commitmentInput).max(MAX_COMMITMENTS, { message: `must be at most ${MAX_COMMITMENTS} items` }).optional().default([]),
});

export const cancelSessionInput = z.object({ reason: text(1000).optional() });

export const noShowInput = z.object({ party: z.enum(['member', 'coach']) });

export const notesInput = z.object({ notes: notes.trim().min(1, { message: 'is required' }) });

export const rateSessionInput = z.object({
  rating: z
    .number({ message: 'must be a whole number from 1 to 5' })
    .int({ message: 'must be a whole number from 1 to 5' })
    .min(1, { message: 'must be at least 1' })
    .max(5, { message: 'must be at most 5' }),
  feedback: text(2000).optional(),
});

export const listSessionsInput = pageInput
  .extend({
    status: z.enum(SESSION_STATUSES).optional(),
    coachId: id.optional(),
    memberId: id.optional(),
    from: instant.optional(),
    to: instant.optional(),
  })
  .refine((v) => !v.from || !v.to || v.from.getTime() <= v.to.getTime(), { message: 'must not be after to', path: ['from'] });

export const upcomingInput = z.object({ limit: z.coerce.number().int().min(1).max(50).default(10) });

export type CreateSessionInput = z.input<typeof createSessionInput>;
export type UpdateSessionInput = z.input<typeof updateSessionInput>;
export type RescheduleSessionInput = z.input<typeof rescheduleSessionInput>;
export type CompleteSessionInput = z.input<typeof completeSessionInput>;
export type CommitmentInput = z.input<typeof commitmentInput>;
export type CancelSessionInput = z.input<typeof cancelSessionInput>;
export type NoShowInput = z.input<typeof noShowInput>;
export type NotesInput = z.input<typeof notesInput>;
export type RateSessionInput = z.input<typeof rateSessionInput>;
export type ListSessionsInput = z.input<typeof listSessionsInput>;
export type UpcomingInput = z.input<typeof upcomingInput>;
