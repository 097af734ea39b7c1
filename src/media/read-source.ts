import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, open, readdir, readFile as readWhole, rm, stat, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TranslateError } from '../errors.js';
import type { MediaSource } from './types.js';

const mib = (n: number) => `${(n / 1024 / 1024).toFixed(n < 1024 * 1024 ? 2 : 1)} MB`;

function tooLarge(max: number): TranslateError {
  return new TranslateError('FILE_TOO_LARGE', `The limit is ${mib(max)}.`);
}

/**
 * What was read, with its SHA-256 (computed as the bytes arrive). Small inputs are in memory (`data`); larger ones
 * were written, as they arrived, to a temporary file (`path`) that `dispose()` deletes (idempotent; the owner calls
 * it when done, also on failure and abort). `head` is the first `HEAD_BYTES` (all of `data` when in memory), enough
 * to sniff the format.
 */
export interface ReadMedia {
  bytes: number;
  sha256: string;
  head: Buffer;
  data?: Buffer | undefined;
  path?: string | undefined;
  dispose(): Promise<void>;
}

/** Bytes kept in memory from the start of a spooled input, for sniffing (file-type needs a few KB). */
export const HEAD_BYTES = 1024 * 1024;

/**
 * Above this many bytes an input goes to a temporary file instead of memory (decided by the bytes that really
 * arrived, never by a Content-Length or a file's stated size). 8 MB holds every voice note (an hour of Discord's
 * Opus at 32 kbit/s is 14 MB, but a voice message is at most a few minutes) and any recording short enough for one
 * answer in a compressed format, so the usual path stays in memory and unchanged.
 */
export const SPILL_ABOVE_BYTES = 8 * 1024 * 1024;

/** Prefix of the temporary directories of spooled inputs (under `os.tmpdir()`), one directory per input. */
export const SPOOL_PREFIX = 'livetranslate-input-';

/** Prefix of ffmpeg's temporary copy of an input held in memory (ffmpeg.ts). */
export const FFMPEG_COPY_PREFIX = 'livetranslate-ffmpeg-';

/**
 * Deletes temporary directories (spooled inputs, ffmpeg's copies) that a process which died without cleaning up
 * (SIGKILL, out of memory) left under `os.tmpdir()`: those whose directory and files were all last changed more than
 * `maxAgeMs` ago (default 1 hour). A live one is far younger: a download has a 300 s deadline and writes its file as
 * it goes, and each ffmpeg run has a 120 s limit. Returns how many were deleted; never throws.
 */
export async function sweepOrphans(maxAgeMs = 3_600_000, now = Date.now()): Promise<number> {
  const root = tmpdir();
  let deleted = 0;
  const names = await readdir(root).catch(() => [] as string[]);
  for (const name of names) {
    if (!name.startsWith(SPOOL_PREFIX) && !name.startsWith(FFMPEG_COPY_PREFIX)) continue;
    const dir = join(root, name);
    try {
      const stats = [await stat(dir), ...(await Promise.all((await readdir(dir)).map((f) => stat(join(dir, f)))))];
      if (stats.every((st) => now - st.mtimeMs > maxAgeMs)) {
        await rm(dir, { recursive: true, force: true });
        deleted++;
      }
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return deleted;
}

/**
 * Collects chunks, failing as soon as the running total passes `max` (so a huge file is never held in memory).
 * Past `spillAbove` bytes, what was collected and everything after goes to `<mkdtemp>/input` (mode 0600, in a
 * 0700 directory). Any failure (the cap, the source failing, an abort ending the iteration) deletes the file.
 */
async function collect(
  chunks: AsyncIterable<Uint8Array>, max: number, spillAbove: number, onTooLarge?: () => void,
): Promise<ReadMedia> {
  const hash = createHash('sha256');
  const parts: Buffer[] = [];
  let total = 0;
  let dir: string | undefined;
  let file: FileHandle | undefined;
  const dispose = async () => {
    await file?.close().catch(() => undefined);
    file = undefined;
    if (dir) await rm(dir, { recursive: true, force: true });
    dir = undefined;
  };
  try {
    for await (const chunk of chunks) {
      total += chunk.byteLength;
      if (total > max) {
        onTooLarge?.();
        throw tooLarge(max);
      }
      const buf = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      hash.update(buf);
      if (file) {
        await file.write(buf);
        continue;
      }
      parts.push(buf);
      if (total > spillAbove) {
        dir = await mkdtemp(join(tmpdir(), SPOOL_PREFIX));
        file = await open(join(dir, 'input'), 'wx+', 0o600);
        for (const part of parts.splice(0)) await file.write(part);
      }
    }
    if (!file) {
      const data = Buffer.concat(parts, total);
      return { bytes: total, sha256: hash.digest('hex'), head: data, data, dispose: async () => undefined };
    }
    const path = join(dir!, 'input');
    const head = Buffer.alloc(Math.min(HEAD_BYTES, total));
    await file.read(head, 0, head.length, 0);
    await file.close();
    file = undefined;
    return { bytes: total, sha256: hash.digest('hex'), head, path, dispose };
  } catch (err) {
    const vanished = dir !== undefined && (err as NodeJS.ErrnoException).code === 'ENOENT';
    await dispose();
    if (vanished) throw new TranslateError('FILE_NOT_FOUND', '(it was deleted while it was being read)', { cause: err });
    throw err;
  }
}

async function readFile(path: string, max: number, spillAbove: number, signal?: AbortSignal): Promise<ReadMedia> {
  const info = await stat(path).catch((cause: unknown) => {
    throw new TranslateError('FILE_NOT_FOUND', `(${path})`, { cause });
  });
  if (!info.isFile()) throw new TranslateError('FILE_NOT_FOUND', `(${path} is not a file)`);
  if (info.size > max) throw tooLarge(max);
  // a large file is copied to a private temporary file, counted as it is read: one that grows while it is read
  // still stops at the cap, and one changed or deleted afterwards cannot change what was measured and hashed
  const stream = createReadStream(path, signal ? { signal } : {});
  try {
    return await collect(stream, max, spillAbove, () => stream.destroy());
  } catch (err) {
    if (signal?.aborted) throw new TranslateError('CANCELLED', undefined, { cause: err });
    // deleted between the stat and the open (once open, a deleted file is still read whole)
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new TranslateError('FILE_NOT_FOUND', `(${path})`, { cause: err });
    throw err;
  }
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
  url: string, headers: Record<string, string> | undefined, max: number, doFetch: typeof fetch, signal: AbortSignal | undefined,
  limits: DownloadLimits, spillAbove: number,
): Promise<ReadMedia> {
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
    if (!res.body) return { bytes: 0, sha256: createHash('sha256').digest('hex'), head: Buffer.alloc(0), data: Buffer.alloc(0), dispose: async () => undefined };
    const counted = (async function* (body: AsyncIterable<Uint8Array>) {
      for await (const chunk of body) {
        received += chunk.byteLength;
        yield chunk;
      }
    })(res.body as AsyncIterable<Uint8Array>);
    const read = await collect(counted, max, spillAbove, () => controller.abort());
    if ((res.headers.get('content-type') ?? '').includes('text/html') || looksLikeHtml(read.head)) {
      await read.dispose();
      throw new TranslateError('DOWNLOAD_FAILED', '(the server sent a web page, such as a login page, instead of the file)');
    }
    return read;
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
 * A media source read under its cap, in memory up to `spillAboveBytes` (default `SPILL_ABOVE_BYTES`) and in a
 * temporary file past it (`ReadMedia`; the caller must `dispose()` it). Refuses anything larger than `maxBytes`
 * while reading (a declared size is refused before reading; an undeclared one as soon as the running total passes
 * the cap) and empty input. A download also fails (DOWNLOAD_FAILED) past its deadline or below its minimum rate
 * (`DownloadLimits`); an abort (`signal`) stops it with CANCELLED. Whatever fails, no temporary file is left.
 */
export async function openSource(
  source: MediaSource, maxBytes: number, doFetch: typeof fetch = fetch, signal?: AbortSignal, limits: DownloadLimits = {},
  spillAboveBytes = SPILL_ABOVE_BYTES,
): Promise<ReadMedia> {
  let read: ReadMedia;
  if (source.kind === 'file') read = await readFile(source.path, maxBytes, spillAboveBytes, signal);
  else if (source.kind === 'url') read = await readUrl(source.url, source.headers, maxBytes, doFetch, signal, limits, spillAboveBytes);
  else {
    if (source.data.byteLength > maxBytes) throw tooLarge(maxBytes);
    // already in memory: kept there (the intake still treats it as large past `spillAboveBytes`)
    const data = source.data;
    read = { bytes: data.length, sha256: createHash('sha256').update(data).digest('hex'), head: data, data, dispose: async () => undefined };
  }
  if (read.bytes === 0) throw new TranslateError('EMPTY_FILE');
  return read;
}

/** The whole of a spooled input in memory (for the few decoders that need it so: AMR's frame count, the Ogg Opus decoder without ffmpeg). */
export async function bytesOf(read: ReadMedia): Promise<Buffer> {
  return read.data ?? readWhole(read.path!);
}

/** The bytes of a media source in memory (`openSource` never spilling), with the same refusals. */
export async function readSource(
  source: MediaSource, maxBytes: number, doFetch: typeof fetch = fetch, signal?: AbortSignal, limits?: DownloadLimits,
): Promise<Buffer> {
  const read = await openSource(source, maxBytes, doFetch, signal, limits, Infinity);
  return read.data!;
}
