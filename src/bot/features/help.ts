import type { ChatAccount } from '../../core/chat/index.ts';
import type { BotRuntime, Ctx } from '../context.ts';
import type { Platform } from '../inbound.ts';
import { ACTION_SENTENCES } from '../errors.ts';
import { helpLine, reply, type Audience, type Feature } from '../feature.ts';
import { button, header, row, screen, text } from '../ui.ts';
import { requireCoach, requireMember } from '../guards.ts';
import { today } from './coach.ts';
import { next } from './member.ts';

/** Whose commands an account sees in its help: an admin coaches too. */
function audiencesOf(account: ChatAccount): Audience[] {
  if (account.role === 'Admin') return ['admin', 'coach', 'member', 'linked'];
  return [account.role === 'Coach' ? 'coach' : 'member', 'linked'];
}

/** The account's own commands, from every feature's declared entries, as its platform names them. */
function helpLines(menu: BotRuntime['menu'], account: ChatAccount, platform: Platform): string[] {
  const mine = audiencesOf(account);
  // By audience in the order of `mine` (the role's own first, then what every account has).
  return mine.flatMap((audience) =>
    menu
      .filter(([, c]) => c.listed !== false && c.audience === audience)
      .map(([name, c]) => helpLine(platform === 'slack' ? (c.slackName ?? name) : name, c)),
  );
}

async function help(ctx: Ctx) {
  if (!ctx.account) {
    return [reply(screen('Welcome to Coachbot', [header('Welcome to Coachbot'), text('Book coaching sessions right here in chat.', ACTION_SENTENCES.signUpFirst), row(button('Sign up', ctx.act('su')))]))];
  }
  return [reply(screen('Commands', [header(`Hello ${ctx.account.name}`), text('What you can do:', ...helpLines(ctx.rt.menu, ctx.account, ctx.user.platform))]))];
}

/** Slack's App Home: what is next for the viewer, a member's next session or a coach's day. */
async function home(ctx: Ctx) {
  if (ctx.account?.role === 'Coach') return [reply(await today(requireCoach(ctx)))];
  if (ctx.account?.role === 'Member' && ctx.account.memberId) return [reply(await next(requireMember(ctx)))];
  return help(ctx);
}

export const HELP_VERBS = { hp: 'act' } as const;

// Registers these verbs for `act()` (see VerbRegistry).
declare module '../context.ts' {
  interface VerbRegistry extends Record<keyof typeof HELP_VERBS, true> {}
}

export const helpFeature: Feature<keyof typeof HELP_VERBS> = {
  commands: {
    start: { description: 'Start here: what I can do for you', audience: 'anyone', run: help },
    help: { description: 'What you can do', audience: 'anyone', run: help },
    home: { description: 'Your next session, or your day as a coach', audience: 'anyone', listed: false, run: home },
  },
  actions: { hp: (ctx) => help(ctx) },
};
