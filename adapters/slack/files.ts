import { TranslateError, userMessage } from '../../src/errors.js';
import { NOTICES } from '../../src/jobs/notices.js';
import { looksLikeMedia } from '../../src/media/media-file.js';
import type { MediaSource } from '../../src/media/types.js';
import type { SlackFile } from './modals.js';

/** The files worth translating: audio or video (uploads and Slack's own audio/video clips). */
export function mediaFiles(files: SlackFile[] | undefined): SlackFile[] {
  return (files ?? []).filter((f) => /^slack_(audio|video)$/.test(f.subtype ?? '') || looksLikeMedia(f.mimetype, f.name));
}

/** The download of a Slack file (the bot token is added when the job runs: see `withBotToken`). */
export function fileSource(file: SlackFile): MediaSource {
  return { kind: 'url', url: file.url_private_download ?? file.url_private ?? '' };
}

/** Private URLs need the bot token (without it Slack sends a sign-in page); never stored with a request. */
export function withBotToken(botToken: string) {
  return (source: MediaSource): MediaSource =>
    source.kind === 'url' ? { ...source, headers: { Authorization: `Bearer ${botToken}` } } : source;
}

export function fileLabel(file: SlackFile): string {
  return file.subtype === 'slack_audio' ? 'audio clip' : file.subtype === 'slack_video' ? 'video clip' : (file.name ?? 'file');
}

/** A refusal that can be said before downloading anything (ephemeral to the requester), or undefined. */
export function refusalBeforeDownload(files: SlackFile[], maxBytes: number): string | undefined {
  if (files.length === 0) return NOTICES.noMedia;
  const big = files.find((f) => (f.size ?? 0) > maxBytes);
  if (big) return userMessage(new TranslateError('FILE_TOO_LARGE', `(${big.name ?? 'file'}: the limit is ${(maxBytes / 1048576).toFixed(0)} MB)`));
  return undefined;
}
