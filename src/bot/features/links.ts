import { packId, unpackId } from '../compact.ts';
import { Refusal, subjectOfUser, type Ctx, type Viewer } from '../context.ts';
import { ACTION_SENTENCES } from '../errors.ts';
import type { ChatAccount } from '../../core/chat/index.ts';
import type { LinkResult } from '../../core/links/index.ts';
import { reply, show, type Feature } from '../feature.ts';
import { requireAccount } from '../guards.ts';
import type { Platform } from '../inbound.ts';
import { button, header, row, screen, text } from '../ui.ts';

// `/link <code>` ties the chat account talking to a user who already exists (a coach or admin made
// through the API, a member arriving from another platform); `/unlink` unties it after a
// confirmation. The rules (single use, expiry, throttles, one account per platform) are core's.

const PLATFORM_NAMES: Record<Platform, string> = { slack: 'Slack', telegram: 'Telegram', discord: 'Discord', web: 'playground' };

/** "This Slack account": the chat account talking, as the person knows it. */
const thisAccount = (ctx: Ctx) => `This ${PLATFORM_NAMES[ctx.user.platform]} account`;

const STALE_QUESTION = 'That question is out of date: this chat was linked again since, so nothing was changed. Send /unlink again if you meant it.';

const HOW_TO_LINK = 'To link this chat to your account, send /link followed by the code you were given, for example /link ABCD-2345.';

/** Where a newly linked person goes next, as buttons signed for their account. */
function nextSteps(ctx: Ctx, account: ChatAccount) {
  const act = (verb: string) => ctx.rt.signer.sign(subjectOfUser(account.userId), verb, [], ctx.now);
  const first = account.role === 'Member' ? (account.coachId ? button('Book a session', act('bk'), 'primary') : null) : button('Today', act('td'), 'primary');
  return row(...(first ? [first] : []), button('Help', act('hp')));
}

function linkedScreen(ctx: Ctx, { account, alreadyLinked, replacedEarlier }: LinkResult) {
  const where = thisAccount(ctx);
  const title = `You are ${account.name} here`;
  const what = alreadyLinked
    ? `${where} was already linked to you, so nothing changed and the code is still unused.`
    : `${where} is now linked to ${account.name} (${account.role.toLowerCase()}).`;
  const replaced = replacedEarlier ? `Your earlier ${PLATFORM_NAMES[ctx.user.platform]} account is no longer linked: one account per platform.` : '';
  return screen(title, [header(title), text(what, replaced), nextSteps(ctx, account)]);
}

async function link(ctx: Ctx, args: string) {
  if (!args) return [reply(screen(HOW_TO_LINK, [text(HOW_TO_LINK)]))];
  const result = await ctx.core.links.redeem(
    { platform: ctx.user.platform, scope: ctx.user.scope, platformUserId: ctx.user.platformUserId, dmChannelId: ctx.user.dmChannelId ?? null },
    args,
  );
  return [reply(linkedScreen(ctx, result))];
}

async function unlinkQuestion(ctx: Ctx) {
  const v = requireAccount(ctx);
  const identity = await ctx.core.links.getIdentity(ctx.user);
  if (!identity) throw new Refusal(ACTION_SENTENCES.signUpFirst);
  return screen('Unlink this account?', [
    header('Unlink this account?'),
    text(
      `${thisAccount(ctx)} is linked to ${v.account.name}.`,
      'Unlinking makes me forget who you are here: your commands and notifications stop in this chat until you /link again. Your account, sessions and other chats stay as they are.',
    ),
    // The link's own id, so this question cannot undo a link made after it was asked.
    row(button('Unlink', v.act('ul', packId(identity.id)), 'danger'), button('Keep it', v.act('uk'))),
  ]);
}

async function unlink(ctx: Ctx, args: string[]) {
  const v = requireAccount(ctx);
  const identityId = unpackId(args[0] ?? '');
  if (!identityId) throw new Refusal(ACTION_SENTENCES.malformed);
  if (!(await ctx.core.links.unlink(ctx.user, identityId))) throw new Refusal(STALE_QUESTION);
  return screen('Unlinked', [
    header('Unlinked'),
    text(
      `${thisAccount(ctx)} is no longer linked to ${v.account.name}.`,
      'Messages already here stay as they are, but are no longer kept up to date and their buttons no longer work.',
      'To link again, send /link with a new code; to join as a new member, /signup.',
    ),
  ]);
}

function kept(ctx: Ctx) {
  const v = requireAccount(ctx);
  const sentence = `Nothing changed. ${thisAccount(ctx)} is still linked to ${v.account.name}.`;
  return screen(sentence, [text(sentence)]);
}

/** Where notices go now, in a sentence: "Telegram (you chose it)", "Slack (where you last wrote)". */
export async function noticesLine(v: Viewer): Promise<string> {
  if (!v.actor || !v.account) return 'nowhere yet';
  const [user, identities] = await Promise.all([v.core.users.get(v.actor, v.account.userId), v.core.links.listIdentities(v.actor, v.account.userId)]);
  const target = identities.find((i) => i.receivesNotices);
  if (!target) return identities.length ? 'nowhere: every linked chat refused delivery; write to me from one of them' : 'nowhere yet';
  const why = user.preferredPlatform === target.platform ? 'you chose it' : user.preferredPlatform ? `${PLATFORM_NAMES[user.preferredPlatform]} could not be reached` : 'where you last wrote';
  return `${PLATFORM_NAMES[target.platform]} (${why})`;
}

async function notifyScreen(ctx: Ctx, note?: string) {
  const v = requireAccount(ctx);
  const here = PLATFORM_NAMES[ctx.user.platform];
  const line = await noticesLine(v);
  return screen('Where notices go', [
    header('Where notices go'),
    note ? text(note) : null,
    text(`Your notices (reminders, changes, prompts) go to: ${line}.`, 'If delivery there fails for good, they go to your next linked chat and I tell you there why.'),
    row(button(`Send them to ${here}`, v.act('nh'), 'primary'), button('Where I last wrote', v.act('nl'))),
  ]);
}

/** `/notify here`: notices go to this chat's platform from now on. */
async function notifyHere(ctx: Ctx) {
  const v = requireAccount(ctx);
  await v.core.users.update(v.actor, v.account.userId, { preferredPlatform: ctx.user.platform });
  return notifyScreen(ctx, `Done: notices come here, to ${PLATFORM_NAMES[ctx.user.platform]}, from now on.`);
}

async function notify(ctx: Ctx, args: string) {
  const what = args.trim().toLowerCase();
  if (what === 'here') return [reply(await notifyHere(ctx))];
  if (what !== '') throw new Refusal('Send /notify here to get your notices in this chat, or /notify to see where they go.');
  return [reply(await notifyScreen(ctx))];
}

export const LINKS_VERBS = { ul: 'act', uk: 'act', nh: 'act', nl: 'act' } as const;

// Registers these verbs for `act()` (see VerbRegistry).
declare module '../context.ts' {
  interface VerbRegistry extends Record<keyof typeof LINKS_VERBS, true> {}
}

export const links: Feature<keyof typeof LINKS_VERBS> = {
  commands: {
    link: { description: 'Link this chat to your account with a code', audience: 'anyone', usage: '<code>', run: link },
    unlink: { description: 'Stop using this chat for your account', audience: 'linked', run: async (ctx) => [reply(await unlinkQuestion(ctx))] },
    notify: { description: 'Where your notices go; /notify here sends them to this chat', audience: 'linked', usage: '[here]', run: notify },
  },
  actions: {
    nh: async (ctx) => [show(ctx, await notifyHere(ctx))],
    nl: async (ctx) => {
      const v = requireAccount(ctx);
      await v.core.users.update(v.actor, v.account.userId, { preferredPlatform: null });
      return [show(ctx, await notifyScreen(ctx, 'Done: notices go where you last wrote to me.'))];
    },
    ul: async (ctx, args) => [show(ctx, await unlink(ctx, args))],
    uk: async (ctx) => [show(ctx, kept(ctx))],
  },
};
