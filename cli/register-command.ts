import { REST, Routes } from 'discord.js';
import { inviteUrl, registerCommands } from '../adapters/discord/commands.js';
import { loadConfig, loadDotEnv } from '../src/config.js';
import { TranslateError } from '../src/errors.js';

/** `livetranslate register-commands`: registers the Discord commands (globally, or to DISCORD_GUILD_ID) and prints the invite URL. */
export async function registerCommandsCommand(): Promise<number> {
  loadDotEnv();
  const config = loadConfig();
  if (!config.discord) throw new TranslateError('CONFIG_MISSING', 'Set DISCORD_TOKEN (the bot token of your Discord application).');
  const rest = new REST({ api: config.discord.apiUrl }).setToken(config.discord.token);
  const app = (await rest.get(Routes.currentApplication())) as { id: string };
  const changed = await registerCommands(rest, app.id, config.discord.guildId);
  const where = config.discord.guildId ? `guild ${config.discord.guildId}` : 'all servers (global commands can take up to an hour to appear)';
  process.stdout.write(`${changed ? 'Registered' : 'Already up to date:'} /translate, /languages, "Translate" and "Translate to…" for ${where}.\n`);
  process.stdout.write(`Invite the bot with exactly the permissions it needs:\n${inviteUrl(app.id)}\n`);
  return 0;
}
