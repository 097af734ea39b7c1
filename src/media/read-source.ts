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

/**
 * Bounds on one download besides its size: an overall deadline (headers and body), and a minimum rate checked over
 * each window after the first, so a server trickling 1 byte every 10 s cannot keep a job (and its slot) alive.
 */
export interface DownloadLimits {
  /** Whole download, from the request to the last byte. Default 300 s. */
  deadlineMs?: number;
  /** Fewer bytes than this per second, over a window, fails the download. Default 4 KiB/s. */
  minBytesPerSecond?: number;
  /** Length of the rate window; the first window is the server's grace to start. Default 20 s. */
  rateWindowMs?: number;
}

const DEFAULT_LIMITS: Required<DownloadLimits> = { deadlineMs: 300_000, minBytesPerSecond: 4096, rateWindowMs: 20_000 };

const seconds = (ms: number) => (ms < 1000 ? `${ms} ms` : `${Math.round(ms / 1000)} s`);

async function readUrl(
  url: string, headers: Record<string, string> | undefined, max: number, doFetch: typeof fetch, signal?: AbortSignal,
  limits: DownloadLimits = {},
): Promise<Buffer> {
  const parsed = URL.canParse(url) ? new URL(url) : undefined;
  if (!parsed || !['http:', 'https:'].includes(parsed.protocol)) throw new TranslateError('URL_NOT_ALLOWED');
  const { deadlineMs, minBytesPerSecond, rateWindowMs } = { ...DEFAULT_LIMITS, ...limits };
  const controller = new AbortController();
  const onAbort = () => controller.abort(signal?.reason);
  signal?.addEventListener('abort', onAbort, { once: true });
  let stalled: TranslateError | undefined;
  const stop = (why: TranslateError) => {
    stalled ??= why;
    controller.abort(why);
  };
  const deadline = setTimeout(() => stop(new TranslateError('DOWNLOAD_FAILED', `(it took longer than ${seconds(deadlineMs)})`)), deadlineMs);
  let received = 0;
  let atLastCheck = 0;
  let windows = 0;
  const rate = setInterval(() => {
    const got = received - atLastCheck;
    atLastCheck = received;
    // the first window is the server's grace to start; every later one must bring the minimum
    if (windows++ > 0 && got < (minBytesPerSecond * rateWindowMs) / 1000) {
      stop(new TranslateError('DOWNLOAD_FAILED', `(it came too slowly: ${got} bytes in ${seconds(rateWindowMs)})`));
    }
  }, rateWindowMs);
  try {
    const res = await doFetch(url, { headers, signal: controller.signal, redirect: 'follow' }).catch((cause: unknown) => {
      if (stalled) throw stalled;
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
    const counted = (async function* (body: AsyncIterable<Uint8Array>) {
      for await (const chunk of body) {
        received += chunk.byteLength;
        yield chunk;
      }
    })(res.body as AsyncIterable<Uint8Array>);
    const data = await collect(counted, max, () => controller.abort());
    if ((res.headers.get('content-type') ?? '').includes('text/html') || looksLikeHtml(data)) {
      throw new TranslateError('DOWNLOAD_FAILED', '(the server sent a web page, such as a login page, instead of the file)');
    }
    return data;
  } catch (err) {
    if (stalled) throw stalled;
    if (signal?.aborted && !(err instanceof TranslateError && err.code === 'CANCELLED')) {
      throw new TranslateError('CANCELLED', undefined, { cause: err });
    }
    throw err;
  } finally {
    clearTimeout(deadline);
    clearInterval(rate);
    signal?.removeEventListener('abort', onAbort);
  }
}

/**
 * The bytes of a media source, refusing anything larger than `maxBytes` while reading (a declared size is refused
 * before reading; an undeclared one as soon as the running total passes the cap) and empty input. A download also
 * fails (DOWNLOAD_FAILED) past its deadline or below its minimum rate (`DownloadLimits`).
 */
export async function readSource(
  source: MediaSource, maxBytes: number, doFetch: typeof fetch = fetch, signal?: AbortSignal, limits?: DownloadLimits,
): Promise<Buffer> {
  let data: Buffer;
  if (source.kind === 'file') data = await readFile(source.path, maxBytes);
  else if (source.kind === 'url') data = await readUrl(source.url, source.headers, maxBytes, doFetch, signal, limits);
  else {
    if (source.data.byteLength > maxBytes) throw tooLarge(maxBytes);
    data = source.data;
  }
  if (data.byteLength === 0) throw new TranslateError('EMPTY_FILE');
  return data;
}
