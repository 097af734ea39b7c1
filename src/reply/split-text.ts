/** Characters after which a message may end, besides whitespace: CJK full stops and commas (no spaces in CJK text). */
const BREAK_AFTER = /[\s。！？，、；：]/u;

/**
 * Where to cut `text` so that the first piece fits in `max` characters (UTF-16 code units, as platforms count).
 *
 * Returns `text.length` when it fits. Otherwise the cut falls in the last quarter of `max`: just after the last
 * newline there, else just after the last whitespace (or CJK punctuation), else at `max` itself, moved one back when
 * that would split a surrogate pair. The separator stays with the first piece, so `text.slice(0, cut) +
 * text.slice(cut) === text` and nothing is trimmed. Always at least 1, so repeated splitting always progresses.
 */
export function splitPoint(text: string, max: number): number {
  if (text.length <= max) return text.length;
  const limit = Math.max(1, Math.floor(max));
  const floor = Math.max(1, Math.ceil(limit * 0.75));

  const newline = text.lastIndexOf('\n', limit - 1);
  if (newline + 1 >= floor) return newline + 1;

  for (let i = limit - 1; i + 1 >= floor; i--) {
    if (BREAK_AFTER.test(text.charAt(i))) return i + 1;
  }

  if (limit > 1 && isHighSurrogate(text.charCodeAt(limit - 1)) && isLowSurrogate(text.charCodeAt(limit))) {
    return limit - 1;
  }
  return limit;
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}
