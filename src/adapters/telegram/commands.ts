// The menu Telegram shows next to the message box, registered with setMyCommands on start. Names
// are the bot's commands (src/bot); descriptions at most 256 characters.

export const TELEGRAM_COMMANDS: { command: string; description: string }[] = [
  { command: 'start', description: 'Start here: what I can do for you' },
  { command: 'signup', description: 'Sign up with a coach' },
  { command: 'book', description: 'Book a session' },
  { command: 'sessions', description: 'Your upcoming sessions' },
  { command: 'next', description: 'Your next session' },
  { command: 'rate', description: 'Rate a past session' },
  { command: 'profile', description: 'Your profile' },
  { command: 'today', description: 'Coaches: today and this week' },
  { command: 'members', description: 'Coaches: your members' },
  { command: 'availability', description: 'Coaches: your weekly availability' },
  { command: 'invite', description: 'Coaches: a link that signs a new member up with you' },
];
