import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { TranslateError } from '../errors.js';
import type { MediaSource } from './types.js';

const mib = (n: number) => `${(n / 1024 / 1024).toFixed(n < 1024 * 1024 ? 2 : 1)} MB`;

function tooLarge(max: number): TranslateError {
  return new TranslateError('FILE_TOO_LARGE', `The limit is ${mib(max)}.`);
}

/** Collects chunks, failing as soon as the running total passes `max` (so a huge file is never held in memory). */
async function collect(chunks: AsyncIterable<Uint8Array>, max: number, onTooLarge?: () => void): Promise<Buffer> {
  const parts: Buffer[] = [];
  let total = 0;
  for await (const chunk of chunks) {
    total += chunk.byteLength;
    if (total > max) {
      onTooLarge?.();
      throw tooLarge(max);
    }
    parts.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
  }
  return Buffer.concat(parts, total);
}

async function readFile(path: string, max: number): Promise<Buffer> {
  const info = await stat(path).catch((cause: unknown) => {
    throw new TranslateError('FILE_NOT_FOUND', `(${path})`, { cause });
  });
  if (!info.isFile()) throw new TranslateError('FILE_NOT_FOUND', `(${path} is not a file)`);
  if (info.size > max) throw tooLarge(max);
  const stream = createReadStream(path);
  return collect(stream, max, () => stream.destroy());
}

function looksLikeHtml(head: Buffer): boolean {
  const text = head.subarray(0, 256).toString('latin1').trimStart().toLowerCase();
  return text.startsWith('<!doctype html') || text.startsWith('<html');
}

async function readUrl(
  url: string, headers: Record<string, string> | undefined, max: number, doFetch: typeof fetch, signal?: AbortSignal,
): Promise<Buffer> {
  const parsed = URL.canParse(url) ? new URL(url) : undefined;
  if (!parsed || !['http:', 'https:'].includes(parsed.protocol)) throw new TranslateError('URL_NOT_ALLOWED');
  const controller = new AbortController();
  const onAbort = () => controller.abort(signal?.reason);
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const res = await doFetch(url, { headers, signal: controller.signal, redirect: 'follow' }).catch((cause: unknown) => {
      if (signal?.aborted) throw new TranslateError('CANCELLED', undefined, { cause });
      if (cause instanceof TranslateError) throw cause; // a policy-checking fetch (url-policy.ts) refused the URL
      throw new TranslateError('DOWNLOAD_FAILED', `(${parsed.host} did not answer)`, { cause });
    });
    if (!res.ok) {
      await res.body?.cancel();
      throw new TranslateError('DOWNLOAD_FAILED', `(HTTP ${res.status} from ${parsed.host})`);
    }
    const length = Number(res.headers.get('content-length') ?? NaN);
    if (length > max) {
      await res.body?.cancel();
      throw tooLarge(max);
    }
    if (!res.body) return Buffer.alloc(0);
    const data = await collect(res.body as AsyncIterable<Uint8Array>, max, () => controller.abort());
    if ((res.headers.get('content-type') ?? '').includes('text/html') || looksLikeHtml(data)) {
      throw new TranslateError('DOWNLOAD_FAILED', '(the server sent a web page, such as a login page, instead of the file)');
    }
    return data;
  } catch (err) {
    if (signal?.aborted && !(err instanceof TranslateError && err.code === 'CANCELLED')) {
      throw new TranslateError('CANCELLED', undefined, { cause: err });
    }
    throw err;
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
}

/**
 * The bytes of a media source, refusing anything larger than `maxBytes` while reading (a declared size is refused
 * before reading; an undeclared one as soon as the running total passes the cap) and empty input.
 */
export async function readSource(
  source: MediaSource, maxBytes: number, doFetch: typeof fetch = fetch, signal?: AbortSignal,
): Promise<Buffer> {
  let data: Buffer;
  if (source.kind === 'file') data = await readFile(source.path, maxBytes);
  else if (source.kind === 'url') data = await readUrl(source.url, source.headers, maxBytes, doFetch, signal);
  else {
    if (source.data.byteLength > maxBytes) throw tooLarge(maxBytes);
    data = source.data;
  }
  if (data.byteLength === 0) throw new TranslateError('EMPTY_FILE');
  return data;
}
