import type { Attachment, Collection } from 'discord.js';
import type { TriggerFile } from '../../src/jobs/trigger.js';

/** A message's attachments as the core's trigger files, in message order (Discord names every voice message "voice-message.ogg"). */
export function triggerFiles(attachments: Collection<string, Attachment> | Attachment[]): TriggerFile[] {
  const all = Array.isArray(attachments) ? attachments : [...attachments.values()];
  return all.map((a) => ({
    id: a.id, label: a.waveform ? 'voice message' : a.name, contentType: a.contentType, name: a.name, size: a.size, url: a.url,
  }));
}
