import { z } from 'zod';
import { pageInput } from '../pagination.ts';
import { note, singleLine, timeZone } from '../validation.ts';

export const ROLES = ['Member', 'Coach', 'Admin'] as const;

// The text types live with core's other building blocks; users re-exports them for its dependants.
export { note, singleLine };

export const personName = singleLine(100);

/** Emails are kept trimmed and lower-cased so the unique index also refuses case variants. */
export const email = z
  .string()
  .trim()
  .toLowerCase()
  .max(254, { message: 'must be at most 254 characters' })
  .pipe(z.email({ message: 'must be an email address' }));

export const locale = z
  .string()
  .min(2, { message: 'must be a BCP 47 language tag such as en or fr-CA' })
  .max(35, { message: 'must be at most 35 characters' })
  .refine(isLocale, { message: 'must be a BCP 47 language tag such as en or fr-CA' });

export const createUserInput = z.object({
  name: personName,
  email: email.nullish(),
  role: z.enum(ROLES),
  timezone: timeZone.default('UTC'),
  locale: locale.default('en'),
});

export const updateUserInput = z
  .object({
    name: personName.optional(),
    timezone: timeZone.optional(),
    locale: locale.optional(),
    isActive: z.boolean().optional().describe('Admin only'),
    role: z.enum(ROLES).optional().describe('Admin only'),
    preferredPlatform: z
      .enum(['slack', 'discord', 'telegram', 'web'])
      .nullable()
      .optional()
      .describe('Where notices go when several chat platforms are linked (one of them); null: the platform last used'),
  })
  .refine((changes) => Object.values(changes).some((v) => v !== undefined), { message: 'names nothing to update' });

export const listUsersInput = pageInput.extend({
  role: z.enum(ROLES).optional(),
  isActive: z.boolean().optional(),
  search: singleLine(100).optional(),
});

export type CreateUserInput = z.input<typeof createUserInput>;
export type UpdateUserInput = z.input<typeof updateUserInput>;
export type ListUsersInput = z.input<typeof listUsersInput>;

function isLocale(tag: string): boolean {
  try {
    return Intl.getCanonicalLocales(tag).length === 1;
  } catch {
    return false;
  }
}
