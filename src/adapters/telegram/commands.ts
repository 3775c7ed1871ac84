import { BOT_COMMANDS } from '../../bot/index.ts';

// The menu Telegram shows next to the message box, registered with setMyCommands on start: the
// bot's own commands (descriptions at most 256 characters).

export const TELEGRAM_COMMANDS: { command: string; description: string }[] = BOT_COMMANDS.map((c) => ({ command: c.name, description: c.description }));
