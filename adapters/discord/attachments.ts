import type { Attachment, Collection } from 'discord.js';
import { jobKey, type ChatJobRequest } from '../../src/jobs/chat-jobs.js';
import type { JobScope } from '../../src/jobs/limits.js';
import type { JobTrigger } from '../../src/ops/metrics.js';
import type { TranslationAsk } from '../../src/plan.js';
import { looksLikeMedia } from '../../src/media/media-file.js';

/** The attachments worth translating, in message order: audio or video by declared type, else by extension. */
export function mediaAttachments(attachments: Collection<string, Attachment> | Attachment[]): Attachment[] {
  const all = Array.isArray(attachments) ? attachments : [...attachments.values()];
  return all.filter((a) => looksLikeMedia(a.contentType, a.name));
}

/** A name for the header: Discord names every voice message "voice-message.ogg". */
function displayName(a: Attachment): string {
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
