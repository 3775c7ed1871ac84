import { z } from 'zod';
import { pageInput } from '../pagination.ts';
import { timeZone } from '../validation.ts';
import { note, singleLine } from '../users/index.ts';

/**
 * A specialization is a short label such as "Strength & Conditioning" or "Pre/post-natal (level 2)":
 * 1–100 characters of letters (any script), digits, spaces and the punctuation . , ' & ( ) / + - : ;
 * with at least one letter. Anything else (markup, emoji, control characters) is refused so the
 * label renders safely on every chat platform.
 */
export const SPECIALIZATION_PATTERN = /^[\p{L}\p{M}\p{N} .,'&()/+:;-]+$/u;
export const MAX_MEMBERS_LIMIT = 1000;
/** The longest cancellation cut-off: two weeks. */
export const MAX_CUTOFF_HOURS = 336;

export const specialization = z
  .string()
  .trim()
  .min(1, { message: 'must not be empty' })
  .max(100, { message: 'must be at most 100 characters' })
  .regex(SPECIALIZATION_PATTERN, { message: "may only contain letters, digits, spaces and . , ' & ( ) / + - : ;" })
  .refine((s) => /\p{L}/u.test(s), { message: 'must contain a letter' });

export const updateCoachInput = z
  .object({
    specialization: specialization.nullable().optional(),
    bio: note(2000).optional(),
    certifications: note(1000).optional(),
    maxMembers: z
      .number({ message: 'must be a whole number' })
      .int({ message: 'must be a whole number' })
      .min(1, { message: 'must be at least 1' })
      .max(MAX_MEMBERS_LIMIT, { message: `must be at most ${MAX_MEMBERS_LIMIT}` })
      .optional(),
    isAcceptingMembers: z.boolean().optional(),
    timezone: timeZone.optional(),
    // The cancellation policy and credits (docs/design.md §12).
    requiresCredits: z.boolean().optional(),
    cancellationCutoffHours: z
      .number({ message: 'must be a whole number' })
      .int({ message: 'must be a whole number' })
      .min(0, { message: 'must be at least 0' })
      .max(MAX_CUTOFF_HOURS, { message: `must be at most ${MAX_CUTOFF_HOURS}` })
      .optional(),
    lateCancelConsumes: z.boolean().optional(),
    noShowConsumes: z.boolean().optional(),
  })
  .refine((changes) => Object.values(changes).some((v) => v !== undefined), { message: 'names nothing to update' });

export const listCoachesInput = pageInput.extend({
  isAcceptingMembers: z.boolean().optional(),
  search: singleLine(100).optional(),
});

export type UpdateCoachInput = z.input<typeof updateCoachInput>;
export type ListCoachesInput = z.input<typeof listCoachesInput>;
