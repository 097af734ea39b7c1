const MEDIA_EXTENSIONS = /\.(ogg|oga|opus|mp3|wav|m4a|aac|amr|3gp|3gpp|flac|webm|mp4|mov|mkv|avi)$/i;

/**
 * Whether a chat attachment is worth trying (audio or video by its declared type, else by its name). Only a first
 * filter before downloading: the bytes decide what it really is (`inspectMedia`).
 */
export function looksLikeMedia(contentType: string | null | undefined, name: string | null | undefined): boolean {
  return /^(audio|video)\//.test(contentType ?? '') || MEDIA_EXTENSIONS.test(name ?? '');
}
