import { packId, unpackId } from '../compact.ts';
import { Refusal, type Ctx, type Viewer } from '../context.ts';
import type { CoachView } from '../../core/coaches/queries.ts';
import type { Form, View } from '../view.ts';
import { ACTION_SENTENCES } from '../errors.ts';
import { openForm, reply, show, type Feature, type FormDraw, type VerbUse } from '../feature.ts';
import { button, form, header, input, option, row, screen, select, text } from '../ui.ts';
import type { Verb } from '../context.ts';

// Signup (the seed's registration page): pick a coach open for members, then name, goals and time
// zone; the first /signup of a chat identity creates the member and links the identity.

const NO_COACH = '-';

function refuseSignedUp(ctx: Ctx): void {
  if (ctx.account) throw new Refusal('You are already signed up. Try /book or /next.');
}

async function coachPicker(ctx: Ctx, note?: string) {
  refuseSignedUp(ctx);
  const coaches = await ctx.core.coaches.listAccepting({ limit: 24 });
  return drawCoachPicker(ctx, coaches.items.filter((c) => c.hasCapacity), note);
}

export function drawCoachPicker(v: Viewer, open: Pick<CoachView, 'id' | 'name' | 'specialization' | 'timezone'>[], note?: string): View {
  const ctx = v;
  return screen('Choose your coach', [
    header('Welcome! Choose your coach'),
    note ? text(note) : null,
    text(open.length ? 'These coaches are taking new members:' : 'No coach is taking new members right now. You can sign up and get a coach later.'),
    open.length > 0 &&
      row(
        select(
          'Choose a coach',
          open.map((c) => option(c.name, ctx.act('sk', packId(c.id)), [c.specialization, c.timezone].filter(Boolean).join(' · '))),
        ),
      ),
    row(button('Sign up without a coach', ctx.act('sk', NO_COACH))),
  ]);
}

/** Name, goals and zone, for the coach chosen (or none): drawn from the chat user alone. */
function signupForm(_args: string[], d: FormDraw): Form {
  return form('Sign up', d.submit, 'Sign up', [
    input('name', 'Your name', { required: true, maxLength: 100, initial: d.user.displayName }),
    input('goals', 'Your goals', { style: 'paragraph', maxLength: 2000, placeholder: 'What would you like to work on?' }),
    input('timezone', 'Your time zone', { required: true, maxLength: 64, initial: d.user.timezone ?? 'UTC', placeholder: 'e.g. Europe/Berlin' }),
  ]);
}

export const SIGNUP_VERBS = {
  su: 'act',
  sk: { submit: 'sf', for: 'anyone', draw: signupForm },
  sf: 'submit',
} as const satisfies Record<string, VerbUse>;

// Registers these verbs for `act()` (see VerbRegistry).
declare module '../context.ts' {
  interface VerbRegistry extends Record<keyof typeof SIGNUP_VERBS, true> {}
}

function coachArg(args: string[]): string | null {
  if (args[0] === NO_COACH) return null;
  const id = unpackId(args[0] ?? '');
  if (!id) throw new Refusal(ACTION_SENTENCES.malformed);
  return id;
}

export const signup: Feature<keyof typeof SIGNUP_VERBS> = {
  commands: {
    // `/signup <coach user id>`: a coach's invitation (a Telegram deep link, verified by the adapter)
    // goes straight to the form with that coach, while they take members; core re-checks on submit.
    signup: {
      description: 'Sign up with a coach',
      audience: 'anyone',
      run: async (ctx, args) => {
        if (!args || ctx.account) return [reply(await coachPicker(ctx))];
        const open = await ctx.core.coaches.listAccepting({ limit: 100 });
        const coach = open.items.find((c) => c.id === args && c.hasCapacity);
        if (!coach) return [reply(await coachPicker(ctx, 'The coach who invited you is not taking new members right now.'))];
        return [openForm(ctx, SIGNUP_VERBS.sk, [packId(coach.id)])];
      },
    },
  },
  actions: {
    su: async (ctx) => [show(ctx, await coachPicker(ctx))],
    sk: async (ctx, args) => {
      refuseSignedUp(ctx);
      return [openForm(ctx, SIGNUP_VERBS.sk, [args[0] === NO_COACH ? NO_COACH : packId(coachArg(args)!)])];
    },
    sf: async (ctx, args, values) => {
      // Also reached from a form opened before the bot ran (Discord), so judged here again.
      refuseSignedUp(ctx);
      const coachId = coachArg(args);
      const result = await ctx.core.signup.signupMember({
        name: values.name?.trim() ?? '',
        timezone: values.timezone?.trim() || 'UTC',
        coachId,
        ...(values.goals?.trim() ? { goals: values.goals.trim() } : {}),
        chatIdentity: {
          platform: ctx.user.platform,
          scope: ctx.user.scope,
          platformUserId: ctx.user.platformUserId,
          dmChannelId: ctx.user.dmChannelId ?? null,
        },
      });
      const m = result.member;
      // Actions from here on are signed for the new account.
      const act = (verb: Verb) => ctx.rt.signer.sign(`u:${m.user.id}`, verb, [], ctx.now);
      const title = `Welcome, ${m.user.name}!`;
      return [
        reply(
          screen(title, [
            header(title),
            text(m.coach ? `Your coach is ${m.coach.name}.` : 'You have no coach yet; an admin will assign one.', `Times are shown in ${m.user.timezone}.`),
            m.coach ? row(button('Book a session', act('bk'), 'primary'), button('Help', act('hp'))) : row(button('Help', act('hp'))),
          ]),
        ),
      ];
    },
  },
};
