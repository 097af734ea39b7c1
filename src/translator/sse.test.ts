import { describe, expect, it } from 'vitest';
import { APIError } from 'openai';
import { sseJson } from './sse.js';

/** A body that delivers `text` in the given pieces (each one network read). */
function body(pieces: string[]): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      for (const p of pieces) controller.enqueue(new TextEncoder().encode(p));
      controller.close();
    },
  });
}

async function all(pieces: string[], signal = new AbortController().signal): Promise<unknown[]> {
  const out: unknown[] = [];
  for await (const x of sseJson(body(pieces), new Headers(), signal)) out.push(x);
  return out;
}

const stream = [
  ': keep-alive comment\n\n',
  'data: {"n":1,"text":"héllo 世界"}\n\n',
  'event: message\nid: 7\ndata: {"n":2}\n\n',
  'data:{"n":3}\r\n\r\n',
  'data: {"n":\ndata: 4}\n\n',
  'data: [DONE]\n\n',
  'data: {"n":"after done"}\n\n',
].join('');

describe('sseJson (the model stream read without the SDK parser)', () => {
  it('yields each event once, whatever the network reads split (every byte position, including inside UTF-8 characters)', async () => {
    const want = [{ n: 1, text: 'héllo 世界' }, { n: 2 }, { n: 3 }, { n: 4 }];
    expect(await all([stream])).toEqual(want);
    const bytes = Buffer.from(stream);
    for (let cut = 1; cut < bytes.length; cut++) {
      const pieces = [bytes.subarray(0, cut), bytes.subarray(cut)];
      const out: unknown[] = [];
      const b = new ReadableStream<Uint8Array>({
        start(c) {
          for (const p of pieces) c.enqueue(new Uint8Array(p));
          c.close();
        },
      });
      for await (const x of sseJson(b, new Headers(), new AbortController().signal)) out.push(x);
      expect(out, `split at byte ${cut}`).toEqual(want);
    }
    // one character per read
    expect(await all([...stream])).toEqual(want);
  });

  it('reads "\\r\\r" event ends and a last event with no blank line after it', async () => {
    expect(await all(['data: {"a":1}\r\rdata: {"a":2}'])).toEqual([{ a: 1 }, { a: 2 }]);
  });

  it("throws the SDK's APIError for a payload carrying an error (a refusal mid-stream), after the events before it", async () => {
    const out: unknown[] = [];
    const err = await (async () => {
      for await (const x of sseJson(body(['data: {"n":1}\n\n', 'data: {"error":{"code":"data_inspection_failed","message":"no"}}\n\n']), new Headers(), new AbortController().signal)) out.push(x);
    })().catch((e: unknown) => e);
    expect(out).toEqual([{ n: 1 }]);
    expect(err).toBeInstanceOf(APIError);
    expect((err as APIError).message).toContain('no');
  });

  it('throws a SyntaxError for a malformed payload', async () => {
    await expect(all(['data: {"n":\n\n'])).rejects.toBeInstanceOf(SyntaxError);
  });

  it('ends quietly when its signal aborts a read, and throws a read failure that is not an abort', async () => {
    const controller = new AbortController();
    const hanging = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(new TextEncoder().encode('data: {"n":1}\n\n'));
        controller.signal.addEventListener('abort', () => c.error(new Error('aborted')));
      },
    });
    const out: unknown[] = [];
    for await (const x of sseJson(hanging, new Headers(), controller.signal)) {
      out.push(x);
      controller.abort();
    }
    expect(out).toEqual([{ n: 1 }]);
    const broken = new ReadableStream<Uint8Array>({ pull: (c) => c.error(new TypeError('terminated')) });
    await expect((async () => {
      for await (const _ of sseJson(broken, new Headers(), new AbortController().signal)) void _;
    })()).rejects.toThrow('terminated');
  });
});
