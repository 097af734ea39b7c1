const MEDIA_EXTENSIONS =
  /\.(ogg|oga|opus|mp3|wav|m4a|aac|amr|3gp|3gpp|flac|webm|mp4|mov|mkv|avi|rf64|aif|aiff|caf|wma|wmv|asf|ts|mts|m2ts|mpg|mpeg|flv|mp2|ac3|wv|voc|spx|ogv|m4b|m4v)$/i;

/**
 * Whether a chat attachment is worth trying (audio or video by its declared type, else by its name). Only a first
 * filter before downloading: the bytes decide what it really is (`inspectMedia`).
 */
export function looksLikeMedia(contentType: string | null | undefined, name: string | null | undefined): boolean {
  return /^(audio|video)\//.test(contentType ?? '') || MEDIA_EXTENSIONS.test(name ?? '');
}
