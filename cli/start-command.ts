import { loadConfig, loadDotEnv, requireApiKey, type Config } from '../src/config.js';
import { TranslateError } from '../src/errors.js';
import { createLogger, type Logger } from '../src/logger.js';
import { findFfmpeg } from '../src/media/ffmpeg.js';
import { Translator } from '../src/translator/translator.js';

/** Everything the platforms share: one model client, one intake policy, one logger. */
export function sharedDeps(config: Config, logger: Logger) {
  const ffmpegPath = findFfmpeg(config.ffmpegPath);
  if (!ffmpegPath) logger.warn('ffmpeg not found: WebM/M4A clips and other formats needing conversion will be refused (Ogg Opus voice notes work)');
  return {
    translator: new Translator({
      apiKey: requireApiKey(config), baseUrl: config.dashscope.baseUrl, model: config.dashscope.model, logger,
    }),
    intake: { maxBytes: config.maxFileBytes, ffmpegPath },
  };
}

/**
 * `livetranslate start` (what `npm start` runs): the bot with whichever platforms have credentials.
 * With none, it exits naming the variables to set. Runs until SIGINT/SIGTERM.
 */
export async function startCommand(): Promise<number> {
  loadDotEnv();
  const config = loadConfig();
  if (!config.discord && !config.slack) {
    throw new TranslateError(
      'CONFIG_MISSING',
      'No chat platform is configured. Set DISCORD_TOKEN for Discord, and/or SLACK_BOT_TOKEN with ' +
        'SLACK_SIGNING_SECRET (HTTP mode) or SLACK_APP_TOKEN (Socket Mode) for Slack, plus DASHSCOPE_API_KEY ' +
        '(see .env.example). `livetranslate translate <file> --to <lang>` works without a platform.',
    );
  }
  const logger = createLogger(config.logLevel);
  const deps = sharedDeps(config, logger);
  const stops: Array<() => Promise<void>> = [];
  if (config.discord) {
    const { startDiscordBot } = await import('../adapters/discord/bot.js');
    const bot = await startDiscordBot({ ...deps, token: config.discord.token, apiUrl: config.discord.apiUrl, guildId: config.discord.guildId, logger });
    stops.push(() => bot.stop());
  }
  if (config.slack) {
    const { startSlackBot } = await import('../adapters/slack/app.js');
    const bot = await startSlackBot({
      ...deps, botToken: config.slack.botToken, signingSecret: config.slack.signingSecret, appToken: config.slack.appToken,
      apiUrl: config.slack.apiUrl, port: config.port, logger,
    });
    stops.push(() => bot.stop());
  }
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  logger.info('shutting down');
  await Promise.all(stops.map((stop) => stop()));
  return 0;
}
