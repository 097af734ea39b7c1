import { APIError } from 'openai';

/**
 * The JSON payloads of a server-sent-event stream (the model's chunks), read straight from the response body.
 *
 * Why not the SDK's `Stream`: it copies the whole pending buffer on every network read and scans it for event ends
 * byte by byte in JavaScript, twice (events, then lines). The model's speech arrives as base64 inside events of tens
 * of KB, so at 200 concurrent answers that parsing was the largest share of the main thread's time. Here an event's
 * end is found with `Buffer.indexOf` (native), from where the last search stopped, and each event is decoded once.
 *
 * Semantics kept from the SDK (openai/core/streaming): `data:` lines of one event are joined with "\n"; comments and
 * other fields are ignored; `[DONE]` ends the stream; a payload carrying `error` throws the SDK's `APIError` (a
 * refusal mid-stream, e.g. output inspection); a read that fails because `signal` aborted ends quietly (the caller
 * checks the signal), any other read failure is thrown as it is.
 */
export async function* sseJson(body: ReadableStream<Uint8Array> | null, headers: Headers, signal: AbortSignal): AsyncGenerator<unknown> {
  if (!body) throw new Error('The model service answered with no body');
  const reader = body.getReader();
  let pending: Buffer = Buffer.alloc(0);
  let searchFrom = 0;
  try {
    for (;;) {
      let read: Awaited<ReturnType<typeof reader.read>>;
      try {
        read = await reader.read();
      } catch (err) {
        if (signal.aborted) return;
        throw err;
      }
      if (read.done) break;
      const chunk = Buffer.from(read.value.buffer, read.value.byteOffset, read.value.byteLength);
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      for (;;) {
        const end = eventEnd(pending, searchFrom);
        if (!end) {
          searchFrom = Math.max(0, pending.length - 3); // an end marker may straddle this read and the next
          break;
        }
        const payload = eventData(pending.toString('utf8', 0, end.at));
        pending = pending.subarray(end.next);
        searchFrom = 0;
        if (payload === undefined) continue;
        if (payload.startsWith('[DONE]')) return;
        yield parse(payload, headers);
      }
    }
    const last = pending.length > 0 ? eventData(pending.toString('utf8')) : undefined;
    if (last !== undefined && !last.startsWith('[DONE]')) yield parse(last, headers);
  } finally {
    // ends the request when the consumer stops early (a bound reached, a cancel); harmless once it is done
    reader.cancel().catch(() => undefined);
  }
}

/** Where the first event in `buf` ends (`at`: its last byte + 1) and the next begins: "\n\n", "\r\r" or "\r\n\r\n". */
function eventEnd(buf: Buffer, from: number): { at: number; next: number } | undefined {
  let best: { at: number; next: number } | undefined;
  for (const marker of MARKERS) {
    const i = buf.indexOf(marker, from);
    if (i !== -1 && (!best || i < best.at)) best = { at: i, next: i + marker.length };
  }
  return best;
}
const MARKERS = [Buffer.from('\n\n'), Buffer.from('\r\n\r\n'), Buffer.from('\r\r')];

/** The event's data (its `data:` lines joined), or undefined for an event with none (a comment, a keep-alive). */
function eventData(event: string): string | undefined {
  // the usual event: one `data: ` line (a chunk of tens of KB is not split into lines)
  if (event.startsWith('data: ') && event.indexOf('\n') === -1 && event.indexOf('\r') === -1) return event.slice(6);
  let data: string | undefined;
  for (const line of event.split(/\r\n|\r|\n/)) {
    if (!line.startsWith('data')) continue;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    if (field !== 'data') continue;
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    data = data === undefined ? value : `${data}\n${value}`;
  }
  return data;
}

function parse(payload: string, headers: Headers): unknown {
  const data = JSON.parse(payload) as { error?: unknown } | null; // a SyntaxError is mapped as a malformed chunk
  if (data && data.error) throw new APIError(undefined, data.error as object, undefined, headers);
  return data;
}
