import { randomUUID } from 'node:crypto';

/**
 * Request bodies that carry a long inline input (a base64 data URI of several MB) without copying it: the SDK
 * serialises the body with a short placeholder where the input goes (`hold`), and `fetch` (wrapped by `streamingFetch`)
 * sends the JSON around the placeholder with the input streamed in slices in its place.
 *
 * Contract:
 * - The bytes sent are exactly `JSON.stringify` of the body with the real input: a held input is a base64 data URI
 *   (its head checked on `hold`: `data:<type>[;params];base64,`; then, slice by slice as it is sent, ASCII with no
 *   quote, backslash, line break or tab: a slice that is not fails the request rather than send other bytes), whose
 *   JSON form is itself between quotes. Anything else is not held (`hold` answers the string itself) and
 *   goes through the SDK as before.
 * - The request has an exact `content-length` (no chunked upload), and the body is produced as the socket takes it,
 *   `SLICE_CHARS` characters at a time: no long synchronous stretch, and no copy of the input beyond one slice. It
 *   is sent with `redirect: 'error'` (the model API does not redirect), so that fetch does not keep a replay copy.
 * - A held input stays available for retries until `release` (the caller releases it once the answer has started,
 *   or when the call ends); a body naming a released placeholder fails the request with a plain Error.
 */
const PLACEHOLDER_PREFIX = 'livetranslate-inline-input-';
const PLACEHOLDER = new RegExp(`"(${PLACEHOLDER_PREFIX}[0-9a-f-]{36})"`);
const DATA_URI_HEAD = /^data:[\w.+/-]+(?:;[\w.+-]+=[\w.+-]+)*;base64,/;

/** ASCII, and none of the characters JSON escapes that could be in a sloppy base64 (quote, backslash, \n, \r, tab). */
function jsonSafeAscii(text: string): boolean {
  return Buffer.byteLength(text, 'utf8') === text.length
    && !text.includes('"') && !text.includes('\\') && !text.includes('\n') && !text.includes('\r') && !text.includes('\t');
}

/** Characters per slice of the input (64 KiB: about 20 µs to copy). */
export const SLICE_CHARS = 64 * 1024;
/** Inputs shorter than this go through the SDK as they are: copying them costs nothing worth avoiding. */
export const HOLD_ABOVE_CHARS = 64 * 1024;

export class HeldInputs {
  private readonly inputs = new Map<string, string>();

  /** A placeholder for `value` when it is a long base64 data URI; otherwise `value` itself. */
  hold(value: string): string {
    if (value.length < HOLD_ABOVE_CHARS || !DATA_URI_HEAD.test(value.slice(0, 256))) return value;
    const token = `${PLACEHOLDER_PREFIX}${randomUUID()}`;
    this.inputs.set(token, value);
    return token;
  }

  /** Forgets a held input (idempotent); `value` that is not a placeholder is ignored. */
  release(token: string | undefined): void {
    if (token) this.inputs.delete(token);
  }

  get size(): number {
    return this.inputs.size;
  }

  /**
   * The body to send for `json` (the SDK's serialised body): the same string when it names no placeholder, else a
   * stream of the JSON with the held input in place of the placeholder, and its exact length in bytes.
   */
  body(json: string): { stream: ReadableStream<Uint8Array>; length: number } | undefined {
    const match = PLACEHOLDER.exec(json);
    if (!match) return undefined;
    let value = this.inputs.get(match[1]!);
    if (value === undefined) throw new Error('the inline input of this request was already released');
    const length = value.length;
    const head = Buffer.from(json.slice(0, match.index + 1), 'utf8'); // up to the opening quote
    const tail = Buffer.from(json.slice(match.index + match[0].length - 1), 'utf8'); // from the closing quote
    let at = 0;
    let step = 0; // 0: head, 1: input, 2: tail
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (step === 0) {
          step = 1;
          controller.enqueue(head);
          return;
        }
        if (step === 1 && value !== undefined) {
          const end = Math.min(value.length, at + SLICE_CHARS);
          const slice = value.slice(at, end);
          // the data URI's head was checked on hold; the rest must need no JSON escape and be ASCII (so its bytes are
          // its characters): native scans, fast enough for megabytes (a base64 regex costs ~10 ns a character)
          if (!jsonSafeAscii(slice)) {
            controller.error(new Error('the inline input is not plain base64'));
            return;
          }
          controller.enqueue(Buffer.from(slice, 'latin1'));
          at = end;
          if (at >= value.length) {
            step = 2;
            value = undefined; // sent: the stream (which the HTTP client keeps until the response ends) lets it go
          }
          return;
        }
        controller.enqueue(tail);
        controller.close();
      },
      cancel() {
        value = undefined;
      },
    }, { highWaterMark: 0 });
    return { stream, length: head.length + length + tail.length };
  }
}

/** `fetch` that sends a body naming a held input as a stream (see the contract above); other requests as they are. */
export function streamingFetch(inputs: HeldInputs, inner: typeof fetch): typeof fetch {
  return (url, init) => {
    if (!init || typeof init.body !== 'string' || inputs.size === 0) return inner(url, init);
    const streamed = inputs.body(init.body);
    if (!streamed) return inner(url, init);
    const headers = new Headers(init.headers);
    headers.set('content-length', String(streamed.length));
    // redirect 'error': otherwise fetch tees the body to replay it on a redirect, and keeps every byte sent in the
    // unread branch until the response ends (the whole input, for as long as the answer streams)
    return inner(url, { ...init, headers, body: streamed.stream, duplex: 'half', redirect: 'error' } as RequestInit);
  };
}
