import { z } from 'zod';
import { id } from '../validation.ts';
import { singleLine } from '../users/index.ts';

const whole = (min: number, max: number) =>
  z
    .number({ message: 'must be a whole number' })
    .int({ message: 'must be a whole number' })
    .min(min, { message: `must be at least ${min}` })
    .max(max, { message: `must be at most ${max}` });

export const MAX_PACKAGE_SESSIONS = 500;
export const MAX_VALIDITY_DAYS = 3650;
export const MAX_GRANT = 500;

export const createPackageInput = z.object({
  name: singleLine(100),
  sessions: whole(1, MAX_PACKAGE_SESSIONS),
  validityDays: whole(1, MAX_VALIDITY_DAYS),
});

export const listPackagesInput = z.object({ includeArchived: z.boolean().default(false) });

/**
 * A grant from a package, or of a count (with an optional validity), or an admin's adjustment (a
 * signed count, with its reason). Exactly one of packageId, count and adjust.
 */
export const grantCreditsInput = z
  .object({
    coachId: id.optional(),
    packageId: id.optional(),
    count: whole(1, MAX_GRANT).optional(),
    validityDays: whole(1, MAX_VALIDITY_DAYS).optional(),
    adjust: whole(-MAX_GRANT, MAX_GRANT).refine((n) => n !== 0, { message: 'must not be 0' }).optional(),
    reason: singleLine(200).optional(),
  })
  .superRefine((v, ctx) => {
    const named = [v.packageId, v.count, v.adjust].filter((x) => x !== undefined).length;
    if (named !== 1) ctx.addIssue({ code: 'custom', path: ['count'], message: 'name exactly one of packageId, count and adjust' });
    if (v.validityDays !== undefined && v.count === undefined) ctx.addIssue({ code: 'custom', path: ['validityDays'], message: 'goes only with count' });
    if (v.adjust !== undefined && v.reason === undefined) ctx.addIssue({ code: 'custom', path: ['reason'], message: 'is required with adjust' });
  });

export const listLedgerInput = z.object({
  coachId: id.optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

export type CreatePackageInput = z.input<typeof createPackageInput>;
export type ListPackagesInput = z.input<typeof listPackagesInput>;
export type GrantCreditsInput = z.input<typeof grantCreditsInput>;
export type ListLedgerInput = z.input<typeof listLedgerInput>;
