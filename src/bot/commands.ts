import { lowerFirst, type Audience, type Command } from './feature.ts';
import { FEATURES } from './features/index.ts';

// The bot's commands as platforms list them (Telegram's menu, Discord's slash commands, Slack's
// manifest, checked by a test) and as the help shows them: derived from the features' own
// entries (Feature.commands), so a command is declared in one place only: to add one, add an
// entry (description, audience, run) to its feature's `commands`; test/bot/commands.test.ts then
// asks for the same line in slack-app-manifest.yaml.

/** A command as a platform registers it. */
export interface CommandSpec {
  name: string;
  /** The menu text: the command's description, prefixed with who it is for when that is not everyone. */
  description: string;
  /** What it takes after its name, e.g. `<name>` (Slack's usage hint). */
  usage?: string;
}

export interface DeclaredCommand extends CommandSpec {
  audience: Audience;
  /** Its name on Slack, where Slack reserves `name` (see Command.slackName). */
  slackName: string;
}

const FOR: Record<Audience, string> = { anyone: '', linked: '', member: '', coach: 'Coaches: ', admin: 'Admins: ' };

function spec(name: string, c: Command): DeclaredCommand {
  const description = FOR[c.audience] ? `${FOR[c.audience]}${lowerFirst(c.description)}` : c.description;
  return { name, description, audience: c.audience, slackName: c.slackName ?? name, ...(c.usage ? { usage: c.usage } : {}) };
}

/** Every command, in the order the features declare them. */
export const BOT_COMMANDS: readonly DeclaredCommand[] = FEATURES.flatMap((f) =>
  Object.entries(f.commands ?? {})
    .filter(([, c]) => c.listed !== false)
    .map(([name, c]) => spec(name, c)),
);
