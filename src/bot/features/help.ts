import type { Ctx } from '../context.ts';
import { ACTION_SENTENCES } from '../errors.ts';
import { reply, type Feature } from '../feature.ts';
import { button, header, row, screen, text } from '../ui.ts';

const MEMBER = ['/book — book a session', '/sessions — your upcoming sessions (cancel, reschedule)', '/next — your next session', '/rate — rate a finished session', '/profile — your details'];
const COACH = ['/today — today and this week', '/members [name] — your members', '/member <name> — one member', '/availability — your weekly hours', '/invite — invite a new member'];
const UNLINK = '/unlink — stop using this chat for your account';

async function help(ctx: Ctx) {
  const role = ctx.account?.role;
  if (!ctx.account) {
    return [reply(screen('Welcome to Coachbot', [header('Welcome to Coachbot'), text('Book coaching sessions right here in chat.', ACTION_SENTENCES.signUpFirst), row(button('Sign up', ctx.act('su')))]))];
  }
  const lines = role === 'Member' ? MEMBER : role === 'Coach' ? COACH : [...COACH, ...MEMBER];
  return [reply(screen('Commands', [header(`Hello ${ctx.account.name}`), text('What you can do:', ...lines, UNLINK)]))];
}

export const helpFeature: Feature = { commands: { help, start: help }, actions: { hp: (ctx) => help(ctx) } };
