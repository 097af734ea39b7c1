import { describe, expect, it } from 'vitest';
import { decodeOggOpusBuffer } from '../../src/audio/ogg-opus-decode.js';
import { decodeOggOpusInWorker } from '../../src/audio/ogg-opus-worker.js';
import { scanOggOpus } from '../../src/audio/ogg-opus-layout.js';
import { oggCrc32 } from '../../src/audio/ogg-writer.js';
import { parseWav } from '../../src/audio/wav.js';
import { isTranslateError } from '../../src/errors.js';
import { prepareMedia } from '../../src/media/intake.js';
import { ffmpegOggOpus, frequencyOf, parseOggPages } from '../support/audio-tools.js';
import { bombSeconds, chainedOgg, multiplexedOgg, oggEosOnFirstPage, oggOpusBomb } from './ogg-corpus.js';

const MB = 1024 * 1024;

async function codeOf(work: Promise<unknown> | (() => unknown)): Promise<string> {
  try {
    await (typeof work === 'function' ? work() : work);
    return 'accepted';
  } catch (err) {
    return isTranslateError(err) ? `${err.code}: ${err.message}` : `Error: ${(err as Error).message}`;
  }
}

/** A real file whose last page's granule is moved by `deltaSeconds` (CRC rewritten, so only the claim changes). */
function withLastGranule(ogg: Buffer, deltaSeconds: number): Buffer {
  const pages = parseOggPages(ogg);
  const last = pages.at(-1)!;
  const page = Buffer.from(last.raw);
  page.writeBigInt64LE(last.granule + BigInt(Math.round(deltaSeconds * 48_000)), 6);
  page.writeUInt32LE(0, 22);
  page.writeUInt32LE(oggCrc32(page), 22);
  return Buffer.concat([...pages.slice(0, -1).map((p) => p.raw), page]);
}

describe('Ogg Opus decompression bomb', () => {
  it('is refused as too long from its packet count, before decoding, however short its last page claims to be', async () => {
    const bomb = oggOpusBomb({ bytes: MB, claimSeconds: 5 });
    expect(bombSeconds(MB)).toBeGreaterThan(16 * 3600); // 2 bytes per 120 ms
    expect(await codeOf(prepareMedia({ kind: 'bytes', data: bomb }, { maxBytes: 25 * MB }))).toBe(
      'MEDIA_TOO_LONG: That recording is too long for one translation. (it holds more than 66 min of audio)',
    );
  });

  it('under the cap, packets that disagree with the granules are refused (not decoded, not billed as the claim)', async () => {
    const bomb = oggOpusBomb({ bytes: 20 * 1024, claimSeconds: 5 }); // ~19 min of packets
    expect(await codeOf(() => scanOggOpus(bomb))).toMatch(/^MEDIA_INCONSISTENT: .*\(its pages say 5\.0 s but its packets hold 19 min\)$/);
    expect(await codeOf(decodeOggOpusInWorker(bomb))).toMatch(/^MEDIA_INCONSISTENT/);
  });

  it('never decodes more than the cap: a file longer than maxSeconds is refused, one under it fits exactly', async () => {
    const honest = oggOpusBomb({ bytes: 8 * 1024, claimSeconds: bombSeconds(8 * 1024) });
    const seconds = bombSeconds(8 * 1024) - 312 / 48_000;
    expect(await codeOf(() => decodeOggOpusBuffer(honest, { maxSeconds: seconds - 1 }))).toMatch(/^MEDIA_TOO_LONG/);
    const { wav, durationSecs } = decodeOggOpusBuffer(honest, { maxSeconds: seconds + 1, sampleRate: 8000 });
    expect(durationSecs).toBeCloseTo(seconds, 3);
    expect(wav.length).toBe(44 + Math.round(seconds * 8000) * 2);
  });

  it('the claimed length is a ceiling: packets past the last granule (within 1 s) are trimmed, not decoded', () => {
    const ogg = withLastGranule(ffmpegOggOpus({ seconds: 2 }), -0.5);
    const { durationSecs } = decodeOggOpusBuffer(ogg);
    expect(durationSecs).toBeCloseTo(1.5, 3);
  });

  it('refuses a stream whose granules claim far more than its packets hold', async () => {
    const ogg = withLastGranule(ffmpegOggOpus({ seconds: 2 }), 600);
    expect(await codeOf(() => decodeOggOpusBuffer(ogg))).toMatch(/^MEDIA_INCONSISTENT: .*pages say 10 min but its packets hold 2\.0 s/);
  });
});

describe('Ogg structure attacks', () => {
  it('an end-of-stream flag on the first page is refused, not billed as a few seconds', async () => {
    const ogg = oggEosOnFirstPage(ffmpegOggOpus({ seconds: 3 }));
    expect(await codeOf(prepareMedia({ kind: 'bytes', data: ogg }, { maxBytes: MB }))).toMatch(
      /^TRANSCODE_FAILED: The file could not be decoded; it may be damaged\./,
    );
    expect(await codeOf(() => decodeOggOpusBuffer(ogg))).toBe('Error: Invalid Ogg Opus stream: a stream goes on after its end-of-stream page');
  });

  it('decodes every link of a chained Ogg, in order (nothing silently dropped)', async () => {
    const ogg = chainedOgg(ffmpegOggOpus({ seconds: 1, hz: 440 }), ffmpegOggOpus({ seconds: 1.5, hz: 880 }));
    const media = await prepareMedia({ kind: 'bytes', data: ogg }, { maxBytes: MB });
    expect(media.source.durationSecs).toBeCloseTo(2.5, 2);
    if (media.part?.type !== 'input_audio') throw new Error('expected audio');
    const wav = parseWav(Buffer.from(media.part.input_audio.data.split(',')[1]!, 'base64'));
    expect(wav.samples.length).toBe(40_000);
    expect(frequencyOf(wav.samples.subarray(0, 16_000), 16_000)).toBeCloseTo(440, -1);
    expect(frequencyOf(wav.samples.subarray(16_000), 16_000)).toBeCloseTo(880, -1);
  });

  it('refuses two streams at once (multiplexed) with a clear message instead of keeping one', async () => {
    const ogg = multiplexedOgg(ffmpegOggOpus({ seconds: 1 }), ffmpegOggOpus({ seconds: 1 }));
    expect(await codeOf(() => decodeOggOpusBuffer(ogg))).toBe(
      'Error: Invalid Ogg Opus stream: it carries two streams at once (multiplexed Ogg is not supported)',
    );
  });
});

describe('decodeOggOpusInWorker', () => {
  it('gives the same WAV as the in-thread decode, and keeps error codes across the thread', async () => {
    const ogg = ffmpegOggOpus({ seconds: 1.2 });
    const here = decodeOggOpusBuffer(ogg);
    const there = await decodeOggOpusInWorker(ogg);
    expect(there.durationSecs).toBe(here.durationSecs);
    expect(there.wav.equals(here.wav)).toBe(true);
    expect(await codeOf(decodeOggOpusInWorker(Buffer.from('not ogg at all')))).toBe(
      'Error: Invalid Ogg Opus stream: not an Ogg page (bad capture pattern)',
    );
  });

  it('is cancelled by its signal', async () => {
    const controller = new AbortController();
    const decoding = decodeOggOpusInWorker(ffmpegOggOpus({ seconds: 1 }), {}, controller.signal);
    controller.abort();
    expect(await codeOf(decoding)).toMatch(/^CANCELLED/);
  });
});
