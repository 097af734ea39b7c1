/**
 * Every failure the bot can report, as a code with exactly one user-facing sentence.
 *
 * Contract:
 * - Anything that reaches a user (chat reply, CLI stderr line) is a `TranslateError`; other errors are wrapped with
 *   `asTranslateError` first, which turns them into `INTERNAL` and keeps the original as `cause`.
 * - `userMessage(err)` is the only place sentences are written. `detail` adds a specific fact (a file name, a limit,
 *   a language) to the sentence; it never contains secrets or stack traces.
 * - `operatorMessage(err)` is what the person running the bot or the CLI reads (stderr): the same sentence, plus the
 *   setting that fixes it when there is one (`DASHSCOPE_API_KEY` for a rejected key). Chat users get `userMessage`
 *   only: they cannot change the bot's environment, and the variable's name means nothing to them.
 * - `retryable` says whether offering the user a "Retry" makes sense (a transient provider problem), not whether
 *   the translator retries by itself (it does so only before anything was shown).
 */
export type ErrorCode =
  // input the user gave
  | 'FILE_NOT_FOUND'
  | 'EMPTY_FILE'
  | 'NOT_MEDIA'
  | 'UNSUPPORTED_FORMAT'
  | 'FILE_TOO_LARGE'
  | 'MEDIA_TOO_LONG'
  | 'MEDIA_INCONSISTENT'
  | 'NO_AUDIO_TRACK'
  | 'DOWNLOAD_FAILED'
  | 'URL_NOT_ALLOWED'
  | 'UNKNOWN_LANGUAGE'
  | 'SAME_LANGUAGE'
  | 'TEXT_ONLY_TARGET'
  | 'UNKNOWN_VOICE'
  | 'VOICE_CANNOT_SPEAK'
  | 'TRANSCODER_MISSING'
  | 'TRANSCODE_FAILED'
  | 'BAD_USAGE'
  // the model service
  | 'PROVIDER_AUTH'
  | 'PROVIDER_ACCESS_DENIED'
  | 'PROVIDER_ARREARS'
  | 'PROVIDER_REJECTED'
  | 'INPUT_MODERATED'
  | 'OUTPUT_MODERATED'
  | 'PROVIDER_TOO_LARGE'
  | 'RATE_LIMITED'
  | 'PROVIDER_UNAVAILABLE'
  | 'PROVIDER_TIMEOUT'
  | 'STREAM_CUT'
  | 'OUTPUT_TOO_LONG'
  | 'MODEL_DEADLINE'
  | 'CANCELLED'
  // limits and state of the bot
  | 'BUDGET_EXCEEDED'
  | 'TOO_MANY_TRIGGERS'
  | 'NO_MEDIA'
  | 'FILES_HIDDEN'
  | 'RETRY_GONE'
  | 'RESTARTING'
  | 'REPLY_EXPIRING'
  | 'CHANNEL_NOT_ALLOWED'
  | 'NOT_ALLOWED'
  | 'INTERRUPTED'
  | 'HANDED_BACK'
  | 'STORE_UNAVAILABLE'
  // ours
  | 'CONFIG_MISSING'
  | 'STARTUP_FAILED'
  | 'INTERNAL';

const MESSAGES: Record<ErrorCode, string> = {
  FILE_NOT_FOUND: 'That file does not exist or cannot be read.',
  EMPTY_FILE: 'That file is empty.',
  NOT_MEDIA: 'That file is not audio or video, so there is nothing to translate.',
  UNSUPPORTED_FORMAT: 'That audio or video format is not supported.',
  FILE_TOO_LARGE: 'That file is too large to translate.',
  MEDIA_TOO_LONG: 'That recording is too long for one translation.',
  MEDIA_INCONSISTENT: 'That file contradicts itself about how long it is, so it was not translated.',
  NO_AUDIO_TRACK: 'That video has no sound, so there is nothing to translate.',
  DOWNLOAD_FAILED: 'The file could not be downloaded.',
  URL_NOT_ALLOWED: 'That address cannot be fetched: only public http(s) addresses are allowed.',
  UNKNOWN_LANGUAGE: 'That language is not one of the 18 the translator knows.',
  SAME_LANGUAGE: 'The source and target language are the same.',
  TEXT_ONLY_TARGET: 'The translator can write that language but not speak it, so there is no voice note for it.',
  UNKNOWN_VOICE: 'There is no voice by that name.',
  VOICE_CANNOT_SPEAK: 'That voice cannot speak the target language.',
  TRANSCODER_MISSING: 'This format has to be converted first, and ffmpeg is not installed here.',
  TRANSCODE_FAILED: 'The file could not be decoded; it may be damaged.',
  BAD_USAGE: 'That command is not complete.',
  PROVIDER_AUTH: 'The translation service rejected the API key.',
  PROVIDER_ACCESS_DENIED: 'This API key is not allowed to use the translation model.',
  PROVIDER_ARREARS: 'The translation service account is out of credit.',
  PROVIDER_REJECTED: 'The translation service refused the request.',
  INPUT_MODERATED: 'The translation service refused this recording: it may contain inappropriate content.',
  OUTPUT_MODERATED: 'The translation service stopped: its output may contain inappropriate content.',
  PROVIDER_TOO_LARGE: 'The translation service says the file is too large.',
  RATE_LIMITED: 'The translation service is busy (rate limit reached). Try again in a minute.',
  PROVIDER_UNAVAILABLE: 'The translation service is having problems right now. Try again shortly.',
  PROVIDER_TIMEOUT: 'The translation service did not answer in time.',
  STREAM_CUT: 'The connection to the translation service broke off before the translation finished.',
  OUTPUT_TOO_LONG: 'The translation was stopped because it grew past the length this bot allows for one translation.',
  MODEL_DEADLINE: 'The translation was stopped because it took longer than this bot allows for one translation.',
  CANCELLED: 'The translation was cancelled.',
  BUDGET_EXCEEDED: 'This translation would go over the usage budget.',
  TOO_MANY_TRIGGERS: 'You have asked for too many translations in a short time.',
  NO_MEDIA: 'That message has no audio or video file to translate.',
  RETRY_GONE: 'This translation can no longer be retried here; ask for it again.',
  RESTARTING: 'The bot is restarting; ask again in a minute.',
  REPLY_EXPIRING: 'A private reply can only be updated for 15 minutes, so this one stops here; for a recording this long, ask without "private".',
  FILES_HIDDEN: "I can't see the files of other people's messages here. Use the Translate command from the message's menu instead.",
  CHANNEL_NOT_ALLOWED: 'The translator is not enabled in this channel.',
  NOT_ALLOWED: 'Only server admins can change that setting.',
  INTERRUPTED: 'The translation was interrupted because the bot restarted.',
  HANDED_BACK: 'This translation moved to another worker of the bot and goes on there.',
  STORE_UNAVAILABLE: "The bot's storage is not reachable right now.",
  CONFIG_MISSING: 'The bot is not fully configured.',
  STARTUP_FAILED: 'The bot could not start.',
  INTERNAL: 'Something went wrong inside the bot.',
};

const RETRYABLE = new Set<ErrorCode>([
  'DOWNLOAD_FAILED',
  'RATE_LIMITED',
  'PROVIDER_UNAVAILABLE',
  'PROVIDER_TIMEOUT',
  'STREAM_CUT',
  'CANCELLED',
  'INTERRUPTED',
  'HANDED_BACK',
  'STORE_UNAVAILABLE',
]);

export class TranslateError extends Error {
  readonly code: ErrorCode;
  readonly detail: string | undefined;

  constructor(code: ErrorCode, detail?: string, options?: { cause?: unknown }) {
    super(detail ? `${MESSAGES[code]} ${detail}` : MESSAGES[code], options);
    this.name = 'TranslateError';
    this.code = code;
    this.detail = detail;
  }

  get retryable(): boolean {
    return RETRYABLE.has(this.code);
  }
}

/** The one sentence (plus detail) a user sees for an error. */
export function userMessage(err: TranslateError): string {
  return err.message;
}

/** What an operator can change to fix the error (see `operatorMessage`). */
const OPERATOR_HINTS: Partial<Record<ErrorCode, string>> = {
  PROVIDER_AUTH: 'Check DASHSCOPE_API_KEY.',
  PROVIDER_ACCESS_DENIED: 'Check DASHSCOPE_API_KEY and LIVETRANSLATE_MODEL.',
};

/** The CLI's line for an error: `userMessage`, then the setting to check when the fix is one. */
export function operatorMessage(err: TranslateError): string {
  const hint = OPERATOR_HINTS[err.code];
  return hint ? `${userMessage(err)} ${hint}` : userMessage(err);
}

export function asTranslateError(err: unknown): TranslateError {
  if (err instanceof TranslateError) return err;
  return new TranslateError('INTERNAL', undefined, { cause: err });
}

export function isTranslateError(err: unknown, code?: ErrorCode): err is TranslateError {
  return err instanceof TranslateError && (code === undefined || err.code === code);
}
