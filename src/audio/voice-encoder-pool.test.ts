import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolve } from 'node:path';
import { OggOpusDecoder } from 'ogg-opus-decoder';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseOggPages, sine } from '../../test/support/audio-tools.js';
import { InlineVoiceEncoder, VoiceEncoder, setVoiceEncoderWorkers, voiceEncoderWorkers, type VoiceNote } from './voice-encoder.js';
import { shutdownVoiceEncoderPool, voiceEncoderThreads } from './voice-encoder-pool.js';

// the pool's files are checked against the same encoder on this thread (byte for byte) and an independent decoder
let wasm: OggOpusDecoder;
beforeAll(async () => {
  wasm = new OggOpusDecoder();
  await wasm.ready;
});
afterAll(() => wasm.free());
const size = voiceEncoderWorkers();
afterEach(() => setVoiceEncoderWorkers(size));

async function decodedLength(ogg: Buffer): Promise<number> {
  await wasm.reset();
  const r = await wasm.decodeFile(new Uint8Array(ogg));
  expect(r.errors).toEqual([]);
  return r.channelData[0]?.length ?? 0;
}

/** The file with each page's random stream serial (and so its CRC) zeroed: what must be equal between two encoders. */
function withoutSerial(ogg: Buffer): Buffer {
  return Buffer.concat(parseOggPages(ogg).map((page) => {
    const copy = Buffer.from(page.raw);
    copy.fill(0, 14, 18);
    copy.fill(0, 22, 26);
    return copy;
  }));
}

/** A distinct signal per job: a sine whose amplitude depends on `i`, written in slices of `slice` samples. */
function signal(seconds: number, i: number): Int16Array {
  const s = sine(seconds, 24000);
  const out = new Int16Array(s.length);
  for (let k = 0; k < s.length; k++) out[k] = Math.round(s[k]! * (0.3 + (i % 7) / 10));
  return out;
}

function writeSlices(encoder: { write(s: Int16Array): void }, samples: Int16Array, slice: number): void {
  for (let at = 0; at < samples.length; at += slice) encoder.write(samples.subarray(at, at + slice));
}

describe('VoiceEncoder on the worker pool', () => {
  it('runs on at least one thread by default and makes the same bytes as the encoder on this thread', async () => {
    expect(size).toBeGreaterThanOrEqual(1);
    const samples = signal(2.345, 3);
    const pooled = new VoiceEncoder();
    writeSlices(pooled, samples, 1117);
    const inline = new InlineVoiceEncoder();
    writeSlices(inline, samples, 1117);
    const [a, b] = [await pooled.finish(), await inline.finish()];
    expect(voiceEncoderThreads().length).toBeGreaterThanOrEqual(1);
    expect(withoutSerial(a.ogg).equals(withoutSerial(b.ogg))).toBe(true);
    expect({ ...a, ogg: undefined }).toEqual({ ...b, ogg: undefined });
    expect(pooled.bytesSoFar).toBe(a.ogg.length);
    expect(await decodedLength(a.ogg)).toBe(Math.round(2.345 * 48000));
  });

  it.runIf(process.platform === 'linux')('runs its threads at a lower CPU priority than the main thread (nice 10)', async () => {
    const encoder = new VoiceEncoder();
    encoder.write(signal(1, 5));
    await encoder.finish(); // the thread has started and run
    // field 19 of /proc/<pid>/task/<tid>/stat is the thread's nice value (the name, field 2, has no spaces here)
    const niceOf = (tid: string) => Number(readFileSync(`/proc/self/task/${tid}/stat`, 'utf8').split(') ')[1]!.split(' ')[16]);
    const tids = readdirSync('/proc/self/task');
    expect(niceOf(String(process.pid))).toBe(0);
    expect(tids.filter((t) => niceOf(t) === 10).length).toBeGreaterThanOrEqual(1);
  });

  it('encodes 40 notes at once, each to its own exact length', async () => {
    const seconds = (i: number) => 0.5 + i * 0.037;
    const notes = await Promise.all(Array.from({ length: 40 }, async (_, i) => {
      const encoder = new VoiceEncoder();
      const samples = signal(seconds(i), i);
      // interleaved with the others: a slice, then a turn of the event loop
      for (let at = 0; at < samples.length; at += 2400) {
        encoder.write(samples.subarray(at, at + 2400));
        await new Promise((r) => setImmediate(r));
      }
      return encoder.finish();
    }));
    expect(voiceEncoderThreads().length).toBeLessThanOrEqual(size);
    for (const [i, note] of notes.entries()) {
      expect(note.samples).toBe(Math.round(seconds(i) * 24000));
      expect(await decodedLength(note.ogg)).toBe(Math.round(seconds(i) * 48000));
    }
  });

  it('fails the notes of a thread that dies, cleanly, and the next note gets a new thread', async () => {
    await shutdownVoiceEncoderPool();
    setVoiceEncoderWorkers(1);
    const a = new VoiceEncoder();
    const b = new VoiceEncoder();
    a.write(signal(1, 1));
    b.write(signal(1, 2));
    const finishing = b.finish();
    const threads = voiceEncoderThreads();
    expect(threads).toHaveLength(1);
    await threads[0]!.terminate();
    await expect(finishing).rejects.toThrow(/Opus encode worker stopped/);
    expect(() => a.write(new Int16Array(480))).toThrow(/Opus encode worker stopped/);
    await expect(a.finish()).rejects.toThrow(/Opus encode worker stopped/);
    a.abort(); // idempotent after a failure
    const c = new VoiceEncoder();
    c.write(signal(0.5, 3));
    const note: VoiceNote = await c.finish();
    expect(await decodedLength(note.ogg)).toBe(24000);
    expect(voiceEncoderThreads()[0]).not.toBe(threads[0]);
  });

  it('keeps the errors of the encoder: no samples, finished twice, bad options', async () => {
    await expect(new VoiceEncoder().finish()).rejects.toThrow(/no samples/);
    const encoder = new VoiceEncoder();
    encoder.write(signal(0.1, 0));
    await encoder.finish();
    expect(() => encoder.write(new Int16Array(1))).toThrow(/already finished/);
    await expect(encoder.finish()).rejects.toThrow(/already finished/);
    expect(() => new VoiceEncoder({ bitrate: -1 })).toThrow(/bitrate/);
  });

  it('0 workers encodes on the calling thread (the behaviour before the pool)', async () => {
    setVoiceEncoderWorkers(0);
    const before = voiceEncoderThreads().length;
    const encoder = new VoiceEncoder();
    encoder.write(signal(0.3, 0));
    expect(await decodedLength((await encoder.finish()).ogg)).toBe(14400);
    expect(voiceEncoderThreads().length).toBe(before);
  });

  it('never keeps a process alive once its notes are made', () => {
    const script = join(mkdtempSync(join(tmpdir(), 'lt-pool-')), 'note.mts');
    writeFileSync(script, [
      `import { VoiceEncoder } from ${JSON.stringify(resolve('src/audio/voice-encoder.ts'))};`,
      'const e = new VoiceEncoder(); e.write(new Int16Array(24000).fill(1000));',
      'const note = await e.finish(); console.log(note.samples);',
    ].join('\n'));
    const t = performance.now();
    const run = spawnSync(resolve('node_modules/.bin/tsx'), [script], { encoding: 'utf8', timeout: 30_000 });
    expect(run.stderr).toBe('');
    expect(run.stdout.trim()).toBe('24000');
    expect(run.status).toBe(0);
    // without the idle worker unref'd the process would live on for the pool's 30 s idle time
    expect(performance.now() - t).toBeLessThan(20_000);
  });
});
