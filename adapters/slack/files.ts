import type { TriggerFile } from '../../src/jobs/trigger.js';
import type { MediaSource } from '../../src/media/types.js';
import type { SlackFile } from './modals.js';

/** Slack's own audio/video clips carry a subtype; other uploads are judged by declared type and name in the core. */
const CLIP_TYPES: Record<string, { label: string; contentType: string }> = {
  slack_audio: { label: 'audio clip', contentType: 'audio/webm' },
  slack_video: { label: 'video clip', contentType: 'video/mp4' },
};

/** A message's (or a form's) files as the core's trigger files, in order. */
export function triggerFiles(files: SlackFile[] | undefined): TriggerFile[] {
  return (files ?? []).map((f) => {
    const clip = CLIP_TYPES[f.subtype ?? ''];
    return {
      id: f.id, label: clip?.label ?? f.name ?? 'file', contentType: clip?.contentType ?? f.mimetype, name: f.name,
      size: f.size, url: f.url_private_download ?? f.url_private ?? '',
    };
  });
}

/** Private URLs need the bot token (without it Slack sends a sign-in page); never stored with a request. */
export function withBotToken(botToken: string) {
  return (source: MediaSource): MediaSource =>
    source.kind === 'url' ? { ...source, headers: { Authorization: `Bearer ${botToken}` } } : source;
}
