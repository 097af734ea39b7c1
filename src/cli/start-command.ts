import { loadConfig, loadDotEnv } from '../config.js';
import { TranslateError } from '../errors.js';
import { createLogger } from '../logger.js';

/**
 * `livetranslate start` (what `npm start` runs): the bot with whichever platforms have credentials.
 * With none, it exits naming the variables to set.
 */
export async function startCommand(): Promise<number> {
  loadDotEnv();
  const config = loadConfig();
  const logger = createLogger(config.logLevel);
  if (!config.discord && !config.slack) {
    throw new TranslateError(
      'CONFIG_MISSING',
      'No chat platform is configured. Set DISCORD_TOKEN for Discord, and/or SLACK_BOT_TOKEN with ' +
        'SLACK_SIGNING_SECRET (HTTP mode) or SLACK_APP_TOKEN (Socket Mode) for Slack, plus DASHSCOPE_API_KEY ' +
        '(see .env.example). `livetranslate translate <file> --to <lang>` works without a platform.',
    );
  }
  const missing = [config.discord && 'Discord', config.slack && 'Slack'].filter(Boolean).join(' and ');
  logger.error({ platforms: missing }, 'platform adapters are not part of this build yet');
  throw new TranslateError('CONFIG_MISSING', `${missing} support is not part of this build yet.`);
}
