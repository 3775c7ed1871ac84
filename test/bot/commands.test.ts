import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { commandBodies } from '../../src/adapters/discord/commands.ts';
import { BOT_COMMANDS } from '../../src/bot/index.ts';
import { makeAdmin } from '../helpers/factories.ts';
import { Chatter, coachWithHours, linkedMember, linkedUser, setupBot } from './harness.ts';

// The command list is declared once, by the features; every platform's registration and each
// viewer's help come from it, and the Slack manifest (a file Slack reads, not code) is checked
// against it here.

interface ManifestCommand {
  command: string;
  description: string;
  usage_hint?: string;
}

const manifest = parse(readFileSync(new URL('../../slack-app-manifest.yaml', import.meta.url), 'utf8')) as { features: { slash_commands: ManifestCommand[] } };

describe('the declared commands', () => {
  it('are exactly the Slack manifest slash commands, with the same descriptions and usage hints', () => {
    const listed = manifest.features.slash_commands.map((c) => ({ command: c.command, description: c.description, usage: c.usage_hint }));
    const declared = BOT_COMMANDS.map((c) => ({ command: `/${c.slackName}`, description: c.description, usage: c.usage }));
    expect(listed).toEqual(declared);
    expect(listed.map((c) => c.command)).toContain('/invite-member');
  });

  it('fit every platform: Telegram and Discord names, descriptions of at most 100 characters', () => {
    for (const c of BOT_COMMANDS) {
      expect(c.name).toMatch(/^[a-z0-9_]{1,32}$/);
      expect(c.slackName).toMatch(/^[a-z0-9_-]{1,32}$/);
      expect(c.description.length).toBeGreaterThanOrEqual(3);
      expect(c.description.length).toBeLessThanOrEqual(100);
    }
    expect(commandBodies(BOT_COMMANDS).map((b) => [b.name, (b as { description: string }).description])).toEqual(BOT_COMMANDS.map((c) => [c.name, c.description]));
  });
});

describe('/help', () => {
  const h = setupBot();
  const listed = (chatter: Chatter) => [...chatter.text().matchAll(/^\/([a-z-]+)/gm)].map((m) => m[1]);
  const of = (audience: string) => BOT_COMMANDS.filter((c) => c.audience === audience).map((c) => c.name);

  it("lists a member's commands to a member, a coach's to a coach, both to an admin, as the platform names them", async () => {
    const bot = await h;
    const coach = await coachWithHours(bot, { name: 'Coach Help' });
    const { chatter: member } = await linkedMember(bot, coach.id);
    await member.command('help');
    expect(listed(member)).toEqual([...of('member'), ...of('linked')]);

    const coachChat = await linkedUser(bot, coach.id);
    await coachChat.command('help');
    expect(listed(coachChat)).toEqual([...of('coach'), ...of('linked')]);

    const admin = await linkedUser(bot, (await makeAdmin(bot.db, { name: 'Ada Admin' })).id);
    await admin.command('help');
    expect(listed(admin).sort()).toEqual([...of('member'), ...of('coach'), ...of('admin'), ...of('linked')].sort());

    // On Slack, where /invite is Slack's own, the help names the command Slack knows.
    const onSlack = new Chatter(bot, undefined, { platform: 'slack', scope: 'T0HELP' });
    await bot.core.chat.ensureLink(coach.id, { platform: 'slack', scope: 'T0HELP', platformUserId: onSlack.user.platformUserId });
    await onSlack.command('help');
    expect(onSlack.text()).toContain('/invite-member');
    expect(onSlack.text()).not.toMatch(/^\/invite /m);
  });
});
