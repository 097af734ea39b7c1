import { pino, type Logger, type DestinationStream } from 'pino';

export type { Logger };

/** Paths pino blanks out wherever they appear in a log line; secrets never reach the output. */
const REDACT = [
  'apiKey', '*.apiKey', 'token', '*.token', 'authorization', '*.authorization', 'headers.authorization',
  '*.headers.authorization', 'signingSecret', '*.signingSecret', 'botToken', '*.botToken', 'appToken', '*.appToken',
];

/** The bot's one logger; pass it down and use `logger.child({ jobId })` per job. */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino({ level, redact: { paths: REDACT, censor: '[redacted]' } }, destination ?? pino.destination(2));
}
