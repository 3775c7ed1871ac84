import type { REST } from '@discordjs/rest';
import type { CommandSpec } from '../../bot/index.ts';
import { ApplicationCommandOptionType, Routes, type RESTPutAPIApplicationCommandsJSONBody } from 'discord-api-types/v10';

// Slash commands are registered through REST on start: in one server when a guild id is given
// (visible at once, for development), else globally. PUT replaces the whole set, so it is idempotent.


export function commandBodies(commands: readonly CommandSpec[]): RESTPutAPIApplicationCommandsJSONBody {
  return commands.map((c) => ({
    name: c.name,
    description: c.description.slice(0, 100),
    dm_permission: true,
    options: [{ type: ApplicationCommandOptionType.String, name: 'text', description: 'Optional details, e.g. a date or a name', required: false, max_length: 200 }],
  }));
}

export async function registerCommands(rest: REST, applicationId: string, guildId: string | undefined, commands: readonly CommandSpec[]): Promise<void> {
  const route = guildId ? Routes.applicationGuildCommands(applicationId, guildId) : Routes.applicationCommands(applicationId);
  await rest.put(route, { body: commandBodies(commands) });
}
