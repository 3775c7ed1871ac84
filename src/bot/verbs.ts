import type { Verb } from './context.ts';
import type { VerbUse, FormVerb } from './feature.ts';
import { AVAILABILITY_VERBS } from './features/availability.ts';
import { BOOKING_VERBS } from './features/book.ts';
import { COACH_VERBS } from './features/coach.ts';
import { FORM_VERBS, reopensForm } from './forms.ts';
import { HELP_VERBS } from './features/help.ts';
import { LINKS_VERBS } from './features/links.ts';
import { MEMBER_VERBS } from './features/member.ts';
import { MEMBERS_VERBS } from './features/members.ts';
import { SIGNUP_VERBS } from './features/signup.ts';

// Every action verb the bot signs, gathered from the features that declare them (each feature's
// `*_VERBS` record, next to its handlers). `Verb` is their union, so signing an unknown verb is a
// type error. Conventions (see VerbUse in feature.ts): two letters, case-sensitive; a capital
// second letter marks the submit of the form its lower-case twin opens.

export const VERBS = {
  ...FORM_VERBS,
  ...HELP_VERBS,
  ...SIGNUP_VERBS,
  ...LINKS_VERBS,
  ...BOOKING_VERBS,
  ...MEMBER_VERBS,
  ...COACH_VERBS,
  ...MEMBERS_VERBS,
  ...AVAILABILITY_VERBS,
} as const satisfies Record<string, VerbUse>;

export type { Verb } from './context.ts';

/** Every declared verb is registered for `act()` and every registered one declared here. */
type Declared = keyof typeof VERBS;
const registeredAsDeclared: [Verb] extends [Declared] ? ([Declared] extends [Verb] ? true : never) : never = true;
void registeredAsDeclared;

type SubmitOf<U> = U extends { submit: infer S } ? S : never;
/** A form's submit verb must itself be declared: a typo there is a compile error. */
const submitsAreVerbs: SubmitOf<(typeof VERBS)[Verb]> extends Verb ? true : never = true;
void submitsAreVerbs;

/** The form-opening declaration of a verb, or undefined when the verb opens no form. */
export function formVerb(verb: string): FormVerb | undefined {
  const use: VerbUse | undefined = Object.hasOwn(VERBS, verb) ? VERBS[verb as Verb] : undefined;
  return typeof use === 'object' ? use : undefined;
}

/** The form an action token's verb opens, read from the token alone (nothing verified). */
export function formOpenedBy(token: string): FormVerb | undefined {
  return typeof token === 'string' ? formVerb(token.slice(0, Math.max(0, token.indexOf('.')))) : undefined;
}

/**
 * Whether an action token opens a form: lets an adapter that must answer at once know before the
 * bot runs (Discord's modal). The bot still checks the token and who uses it (Bot.formAtOnce).
 */
export function opensForm(token: string): boolean {
  return formOpenedBy(token) !== undefined || reopensForm(token);
}
