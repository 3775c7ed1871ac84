// The bot's commands as platforms list them (Telegram's menu, Discord's slash commands, Slack's
// manifest). Names are the router's; descriptions fit every platform (Discord: 100 characters).

export interface CommandSpec {
  name: string;
  description: string;
}

export const BOT_COMMANDS: readonly CommandSpec[] = [
  { name: 'start', description: 'Start here: what I can do for you' },
  { name: 'help', description: 'What you can do' },
  { name: 'signup', description: 'Sign up with a coach' },
  { name: 'link', description: 'Link this chat to your account with a code' },
  { name: 'unlink', description: 'Unlink this chat from your account' },
  { name: 'book', description: 'Book a session' },
  { name: 'sessions', description: 'Your upcoming sessions' },
  { name: 'next', description: 'Your next session' },
  { name: 'rate', description: 'Rate a past session' },
  { name: 'profile', description: 'Your profile' },
  { name: 'today', description: 'Coaches: today and this week' },
  { name: 'members', description: 'Coaches: your members' },
  { name: 'member', description: 'Coaches: one member, by name' },
  { name: 'availability', description: 'Coaches: your weekly availability' },
  { name: 'invite', description: 'Coaches: a link that signs a new member up with you' },
];
