import type { Attachment, Collection } from 'discord.js';
import { jobKey, type ChatJobRequest } from '../../src/jobs/chat-jobs.js';
import type { JobScope } from '../../src/jobs/limits.js';
import type { JobTrigger } from '../../src/ops/metrics.js';
import type { TranslationAsk } from '../../src/plan.js';

const MEDIA_EXTENSIONS = /\.(ogg|oga|opus|mp3|wav|m4a|aac|amr|3gp|3gpp|flac|webm|mp4|mov|mkv|avi)$/i;

/** The attachments worth translating, in message order: audio or video by declared type, else by extension. */
export function mediaAttachments(attachments: Collection<string, Attachment> | Attachment[]): Attachment[] {
  const all = Array.isArray(attachments) ? attachments : [...attachments.values()];
  return all.filter((a) => /^(audio|video)\//.test(a.contentType ?? '') || MEDIA_EXTENSIONS.test(a.name));
}

/** A name for the header: Discord names every voice message "voice-message.ogg". */
export function displayName(a: Attachment): string {
  return a.waveform ? 'voice message' : a.name;
}

/** A job request for an attachment: downloaded from the CDN URL in the event, cached by attachment id. */
export function discordRequest(
  file: Attachment, ask: TranslationAsk, scope: JobScope, trigger: JobTrigger, unique?: string,
): ChatJobRequest {
  return {
    source: { kind: 'url', url: file.url }, fileName: displayName(file), ask, key: jobKey(file.id, ask, unique),
    fileKey: `discord:${file.id}`, scope, trigger,
  };
}
