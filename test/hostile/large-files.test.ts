/**
 * Large files (issue 11): past `spillAboveBytes` an input is streamed to a private temporary file, read there by
 * ffmpeg, never sent as it is, and deleted whatever happens. The temporary directory is this file's own (TMPDIR),
 * so "nothing left" is counted exactly: entries named livetranslate-* (spooled inputs and ffmpeg's own copies).
 */
import { createHash } from 'node:crypto';
import { chmodSync, closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, rmSync, statSync, unlinkSync, utimesSync, writeFileSync, writeSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { prepareMedia } from '../../src/media/intake.js';
import { SPOOL_PREFIX, sweepOrphans } from '../../src/media/read-source.js';
import { audioTokens } from '../../src/media/tokens.js';
import type { IntakeOptions } from '../../src/media/types.js';
import { singleAnswerSecs } from '../../src/pipeline.js';
import { planTranslation } from '../../src/plan.js';
import { FFMPEG, fixtures } from '../support/media-fixtures.js';
import { plainWebm, wavDeclaring, webmWithDuration } from './media-corpus.js';
import { outcome } from './outcome.js';

const KB = 1024;
const MB = 1024 * 1024;
const ownTmp = mkdtempSync(join(tmpdir(), 'lt-large-files-'));
const leftovers = () => readdirSync(ownTmp).filter((n) => n.startsWith('livetranslate-'));
const spools = () => readdirSync(ownTmp).filter((n) => n.startsWith(SPOOL_PREFIX));
/** The spooled file of the one download in progress, once it exists. */
const spooledFile = () => {
  const dir = spools()[0];
  const path = dir ? join(ownTmp, dir, 'input') : undefined;
  return path && existsSync(path) ? path : undefined;
};
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const until = async (check: () => boolean, ms = 10_000) => {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 10));
  }
};

/** Small spill threshold: the large-file path without writing megabytes in every test. */
const opts: IntakeOptions = { maxBytes: 25 * MB, ffmpegPath: FFMPEG, spillAboveBytes: 256 * KB };

let server: Server;
let base = '';
let savedTmp: string | undefined;
const routes = new Map<string, (req: IncomingMessage, res: ServerResponse) => void | Promise<void>>();
const closed: string[] = [];

beforeAll(async () => {
  savedTmp = process.env.TMPDIR;
  process.env.TMPDIR = ownTmp; // os.tmpdir() reads it on every call
  server = createServer((req, res) => {
    res.on('close', () => closed.push(req.url ?? ''));
    const route = routes.get(req.url ?? '');
    if (!route) return void res.writeHead(404).end();
    Promise.resolve(route(req, res)).catch(() => res.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
  if (savedTmp === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = savedTmp;
  rmSync(ownTmp, { recursive: true, force: true });
});
afterEach(() => {
  expect(leftovers()).toEqual([]);
});

/** Sends `first` bytes of `data` (no Content-Length: chunked), then `then()`, then the rest unless `then` says stop. */
function inTwo(data: Buffer, first: number, then: () => Promise<'go' | 'stop'>) {
  return async (_req: IncomingMessage, res: ServerResponse) => {
    res.writeHead(200, { 'content-type': 'application/octet-stream' });
    res.write(data.subarray(0, first));
    if ((await then()) === 'go') res.end(data.subarray(first));
  };
}

describe('a large download is spooled to a private temporary file', () => {
  it('is written there as it arrives (mode 0600), measured and converted by ffmpeg from it, hashed, then deleted', async () => {
    const wav = fixtures.wav(30); // 16 kHz mono: 960 KB
    let mode = 0;
    routes.set('/spooled.wav', inTwo(wav, 512 * KB, async () => {
      await until(() => spooledFile() !== undefined);
      mode = statSync(spooledFile()!).mode & 0o777;
      return 'go';
    }));
    const media = await prepareMedia({ kind: 'url', url: `${base}/spooled.wav` }, opts);
    expect(mode).toBe(0o600);
    expect(media.contentHash).toBe(sha256(wav));
    expect(media.source).toMatchObject({ format: 'wav', bytes: wav.length });
    expect(media.source.durationSecs).toBeCloseTo(30, 1);
    // large: never sent as it is, but as MP3 of its measured length (8,000 bytes a second)
    expect(media.sent).toMatchObject({ kind: 'audio', format: 'mp3', transcodedBy: 'ffmpeg', via: 'data-uri' });
    expect(media.sent.bytes).toBeLessThanOrEqual(32 * 8000);
    expect(spools()).toEqual([]);
  });

  it('below the threshold nothing is written to disk, and the file goes as it is', async () => {
    const wav = fixtures.wav(2);
    let spooled = -1;
    routes.set('/small.wav', inTwo(wav, 1000, async () => {
      await new Promise((r) => setTimeout(r, 50));
      spooled = spools().length;
      return 'go';
    }));
    const media = await prepareMedia({ kind: 'url', url: `${base}/small.wav` }, opts);
    expect(spooled).toBe(0);
    expect(media.sent).toMatchObject({ format: 'wav', bytes: wav.length });
  });

  it('an abort while it downloads stops it with CANCELLED and deletes the file', async () => {
    const data = Buffer.concat([fixtures.wav(1), Buffer.alloc(600 * KB)]);
    routes.set('/aborted.wav', inTwo(data, 512 * KB, () => new Promise(() => undefined)));
    const controller = new AbortController();
    const prepared = outcome(prepareMedia({ kind: 'url', url: `${base}/aborted.wav` }, { ...opts, signal: controller.signal }));
    await until(() => spooledFile() !== undefined);
    controller.abort();
    expect(await prepared).toMatch(/^CANCELLED/);
    await expect.poll(() => closed).toContain('/aborted.wav');
  });

  it('an abort while ffmpeg reads it stops it with CANCELLED and deletes the file', async () => {
    // ffmpeg at native speed (-re): measuring 60 s of audio would take a minute
    const slow = join(ownTmp, 'slow-ffmpeg.sh');
    writeFileSync(slow, `#!/bin/sh\nexec "${FFMPEG}" -re "$@"\n`);
    chmodSync(slow, 0o700);
    const controller = new AbortController();
    const prepared = outcome(prepareMedia({ kind: 'bytes', data: plainWebm(60) }, { ...opts, spillAboveBytes: 16 * KB, ffmpegPath: slow, signal: controller.signal }));
    setTimeout(() => controller.abort(), 1000);
    expect(await prepared).toMatch(/^CANCELLED/);
    unlinkSync(slow);
  });

  it('a slow-loris (a fast start, then a byte at a time) fails on the rate floor and deletes the file', async () => {
    const data = Buffer.concat([fixtures.wav(1), Buffer.alloc(600 * KB)]);
    routes.set('/trickle.wav', async (_req, res) => {
      res.writeHead(200, { 'content-type': 'audio/wav' });
      res.write(data.subarray(0, 512 * KB));
      let at = 512 * KB;
      const timer = setInterval(() => res.write(data.subarray(at, ++at)), 50);
      res.on('close', () => clearInterval(timer));
    });
    const limits = { deadlineMs: 60_000, minBytesPerSecond: 1000, rateWindowMs: 300 };
    const seenSpool: number[] = [];
    const watch = setInterval(() => seenSpool.push(spools().length), 20);
    const result = await outcome(prepareMedia({ kind: 'url', url: `${base}/trickle.wav` }, { ...opts, download: limits }));
    clearInterval(watch);
    expect(result).toMatch(/^DOWNLOAD_FAILED: .*\(it came too slowly: \d+ bytes in 300 ms\)$/);
    expect(Math.max(...seenSpool)).toBe(1); // it was on disk, and is gone
  });
});

describe('the size cap is counted as the bytes arrive', () => {
  it('an endless download without a length stops at the cap, and the file is deleted', async () => {
    routes.set('/endless', async (_req, res) => {
      res.writeHead(200, { 'content-type': 'audio/wav' });
      const chunk = Buffer.alloc(64 * KB);
      const pump = () => {
        while (res.write(chunk)) { /* until the socket pushes back */ }
      };
      res.on('drain', pump);
      pump();
    });
    expect(await outcome(prepareMedia({ kind: 'url', url: `${base}/endless` }, { ...opts, maxBytes: 2 * MB }))).toBe(
      'FILE_TOO_LARGE: That file is too large to translate. The limit is 2.0 MB.',
    );
    await expect.poll(() => closed).toContain('/endless');
  });

  it('200 MB + 1 byte (the default cap), streamed without a length, is refused at the cap and nothing is left', async () => {
    const maxBytes = loadConfig({}).maxFileBytes;
    expect(maxBytes).toBe(200 * MB);
    const header = fixtures.wav(1).subarray(0, 44);
    routes.set('/over.wav', async (_req, res) => {
      res.writeHead(200, { 'content-type': 'audio/wav' });
      const chunk = Buffer.alloc(MB);
      let sent = 0;
      const total = maxBytes + 1;
      const pump = () => {
        while (sent < total) {
          const part = sent === 0 ? header : chunk.subarray(0, Math.min(MB, total - sent));
          sent += part.length;
          if (!res.write(part)) return;
        }
        res.end();
      };
      res.on('drain', pump);
      pump();
    });
    expect(await outcome(prepareMedia({ kind: 'url', url: `${base}/over.wav` }, { maxBytes, ffmpegPath: FFMPEG }))).toBe(
      'FILE_TOO_LARGE: That file is too large to translate. The limit is 200.0 MB.',
    );
  });
});

describe('a file large in bytes but short in time never reaches the model as it is', () => {
  /** A WAV of exactly `bytes` at 192 kHz stereo (768,000 bytes a second): 200 MB is 273 s. */
  function hugeWav(path: string, bytes: number): number {
    const rate = 192_000;
    const second = Buffer.alloc(rate * 4);
    for (let i = 0; i < rate; i++) {
      const v = Math.round(12_000 * Math.sin((2 * Math.PI * 440 * i) / rate));
      second.writeInt16LE(v, i * 4);
      second.writeInt16LE(v, i * 4 + 2);
    }
    const header = Buffer.alloc(44);
    header.write('RIFF', 0, 'latin1');
    header.writeUInt32LE(bytes - 8, 4);
    header.write('WAVEfmt ', 8, 'latin1');
    header.writeUInt32LE(16, 16);
    header.writeUInt16LE(1, 20); // PCM
    header.writeUInt16LE(2, 22);
    header.writeUInt32LE(rate, 24);
    header.writeUInt32LE(rate * 4, 28);
    header.writeUInt16LE(4, 32);
    header.writeUInt16LE(16, 34);
    header.write('data', 36, 'latin1');
    header.writeUInt32LE(bytes - 44, 40);
    const fd = openSync(path, 'w');
    try {
      writeSync(fd, header);
      for (let left = bytes - 44; left > 0; left -= second.length) writeSync(fd, second, 0, Math.min(left, second.length));
    } finally {
      closeSync(fd);
    }
    return (bytes - 44) / (rate * 4);
  }

  it('a 200 MB WAV of 273 s goes as an MP3 of about 2 MB in one answer, or is segmented for speech', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lt-huge-'));
    try {
      const path = join(dir, 'huge.wav');
      const seconds = hugeWav(path, 200 * MB);
      const base = { maxBytes: loadConfig({}).maxFileBytes, ffmpegPath: FFMPEG, maxSeconds: 7200 };
      const text = await prepareMedia({ kind: 'file', path }, { ...base, segmentAboveSecs: singleAnswerSecs(planTranslation({ to: 'en', textOnly: true }, { strict: false })) });
      expect(text.source).toMatchObject({ format: 'wav', bytes: 200 * MB });
      expect(text.source.durationSecs).toBeCloseTo(seconds, 0);
      expect(text.pcm).toBeUndefined();
      expect(text.sent).toMatchObject({ kind: 'audio', format: 'mp3', transcodedBy: 'ffmpeg' });
      expect(text.sent.bytes).toBeLessThanOrEqual((Math.ceil(seconds) + 3) * 8000); // ~2.2 MB, not 200 MB
      if (text.part?.type !== 'input_audio') throw new Error('expected audio');
      expect(text.part.input_audio.data.length).toBeLessThan(3 * MB);
      expect(text.estimatedInputTokens).toBe(audioTokens(text.source.durationSecs!));
      // speech answers hold 150 s: the same file is cut into segments from its 16 kHz PCM (8.7 MB, not 200)
      const speech = await prepareMedia({ kind: 'file', path }, { ...base, segmentAboveSecs: singleAnswerSecs(planTranslation({ to: 'en' }, { strict: false })) });
      expect(speech.part).toBeUndefined();
      expect(speech.pcm!.samples.length / 16_000).toBeCloseTo(seconds, 0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);

  it('a large MP4 video goes as its sound only, says so, and is billed as audio', async () => {
    const video = fixtures.mp4Video(3);
    expect(video.length).toBeGreaterThan(16 * KB);
    const media = await prepareMedia({ kind: 'bytes', data: video }, { ...opts, spillAboveBytes: 16 * KB });
    expect(media.source.kind).toBe('video');
    expect(media.sent).toMatchObject({ kind: 'audio', format: 'mp3', transcodedBy: 'ffmpeg' });
    expect(media.notices).toEqual(['This video is too large to send whole, so it was sent as its sound only, without its pictures.']);
    expect(media.estimatedInputTokens).toBe(audioTokens(media.source.durationSecs!));
  });

  it('a large MP4 whose index (moov) is at the end is still told to be a video, from the spooled file', async () => {
    const video = fixtures.mp4Video(3); // ffmpeg writes moov after mdat unless asked for faststart
    const moov = video.indexOf('moov', 0, 'latin1');
    const mdat = video.indexOf('mdat', 0, 'latin1');
    expect(moov).toBeGreaterThan(mdat);
    routes.set('/late-moov.mp4', (_req, res) => void res.writeHead(200, { 'content-type': 'video/mp4' }).end(video));
    const media = await prepareMedia({ kind: 'url', url: `${base}/late-moov.mp4` }, { ...opts, spillAboveBytes: 16 * KB, download: {} });
    expect(media.source).toMatchObject({ kind: 'video', format: 'mp4', video: { width: 320, height: 240 } });
  });
});

describe('headers that lie about the length of a large file', () => {
  it('a WebM whose Duration says 1 s but holds 10 min is measured at 10 min, and segmented', async () => {
    const lying = webmWithDuration(plainWebm(600), 1);
    const media = await prepareMedia({ kind: 'bytes', data: lying }, { ...opts, spillAboveBytes: 16 * KB, segmentAboveSecs: 420 });
    expect(media.source.durationSecs).toBeCloseTo(600, 0);
    expect(media.estimatedInputTokens).toBe(audioTokens(600));
    expect(media.pcm!.samples.length / 16_000).toBeCloseTo(600, 0);
    expect(await outcome(prepareMedia({ kind: 'bytes', data: lying }, { ...opts, spillAboveBytes: 16 * KB, maxSeconds: 300 }))).toMatch(/^MEDIA_TOO_LONG/);
  });

  it('a spooled WAV whose header declares 1 s but which holds 60 s is billed for 1 s and sends only that second', async () => {
    const wav = wavDeclaring(1, 60);
    routes.set('/declaring.wav', (_req, res) => void res.writeHead(200).end(wav));
    const media = await prepareMedia({ kind: 'url', url: `${base}/declaring.wav` }, opts);
    expect(media.source.durationSecs).toBeCloseTo(1, 2);
    expect(media.estimatedInputTokens).toBe(13);
    expect(media.sent.bytes).toBeLessThanOrEqual(3 * 8000);
  });
});

describe('a file deleted while it is being read', () => {
  it('the spooled copy deleted mid-download: FILE_NOT_FOUND, one clear line', async () => {
    const wav = fixtures.wav(30);
    routes.set('/deleted.wav', inTwo(wav, 512 * KB, async () => {
      await until(() => spooledFile() !== undefined);
      rmSync(join(ownTmp, spools()[0]!), { recursive: true, force: true });
      return 'go';
    }));
    expect(await outcome(prepareMedia({ kind: 'url', url: `${base}/deleted.wav` }, opts))).toBe(
      'FILE_NOT_FOUND: That file does not exist or cannot be read. (it was deleted while it was being read)',
    );
  });

  it('the spooled copy deleted just before ffmpeg opens it: FILE_NOT_FOUND', async () => {
    const deleting = join(ownTmp, 'deleting-ffmpeg.sh');
    writeFileSync(deleting, `#!/bin/sh\nprev=""\nfor a in "$@"; do [ "$prev" = "-i" ] && rm -f "$a"; prev="$a"; done\nexec "${FFMPEG}" "$@"\n`);
    chmodSync(deleting, 0o700);
    const wav = fixtures.wav(30);
    routes.set('/vanishing.wav', (_req, res) => void res.writeHead(200).end(wav));
    expect(await outcome(prepareMedia({ kind: 'url', url: `${base}/vanishing.wav` }, { ...opts, ffmpegPath: deleting }))).toBe(
      'FILE_NOT_FOUND: That file does not exist or cannot be read. (it was deleted while it was being read)',
    );
    unlinkSync(deleting);
  });

  it('a local file deleted as soon as it is asked for is read whole or refused, never half-read', async () => {
    const path = join(ownTmp, 'local.wav');
    const wav = fixtures.wav(30);
    writeFileSync(path, wav);
    const prepared = prepareMedia({ kind: 'file', path }, opts);
    unlinkSync(path);
    const media = await prepared.catch((err: unknown) => err as Error);
    if (media instanceof Error) expect(media).toMatchObject({ code: 'FILE_NOT_FOUND' });
    else expect(media.contentHash).toBe(sha256(wav));
  });
});

describe('what a killed process left behind', () => {
  it('spooled inputs and ffmpeg copies untouched for over an hour are swept; fresh ones and others are kept', async () => {
    const make = (name: string, hoursAgo: number) => {
      const dir = join(ownTmp, name);
      mkdirSync(dir);
      writeFileSync(join(dir, 'input'), 'x');
      const at = new Date(Date.now() - hoursAgo * 3_600_000);
      utimesSync(join(dir, 'input'), at, at);
      utimesSync(dir, at, at);
    };
    make(`${SPOOL_PREFIX}orphan`, 2);
    make('livetranslate-ffmpeg-orphan', 2);
    make(`${SPOOL_PREFIX}running`, 0);
    make('livetranslate-node-26', 2); // someone else's, however old
    expect(await sweepOrphans()).toBe(2);
    expect(leftovers().sort()).toEqual([`${SPOOL_PREFIX}running`, 'livetranslate-node-26']);
    for (const name of leftovers()) rmSync(join(ownTmp, name), { recursive: true });
  });
});
