import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { startModelEmulator } from '../test/emulators/model/index.js';

/**
 * A 60-minute recording translated whole (issue 11): wall time with 1 vs 3 segments in flight, time to the first
 * words, peak memory, and the work that really happened (model requests and tokens counted by the emulator, the
 * voice note's length). The emulator streams each answer's chunks 4 ms apart: the ratio shows what working ahead
 * buys when the model, not the bot, is the slow part.
 */
const run = promisify(execFile);
const tsx = resolve(import.meta.dirname, '../node_modules/.bin/tsx');
const child = resolve(import.meta.dirname, 'long-recording-child.ts');

interface Measure { wallMs: number; firstTextMs: number; peakRssMb: number; segments: number; tokensIn: number; tokensOut: number; voiceSecs: number; voiceBytes: number; truncated: boolean }

export async function longRecordingBench(): Promise<string[]> {
  const emu = await startModelEmulator({ chunkDelayMs: 4, fragmentBytes: { min: 32_000, max: 32_000 } });
  const rows: string[] = [];
  try {
    const results: Record<string, Measure & { requests: number }> = {};
    for (const inFlight of ['1', '3']) {
      emu.reset();
      const m = JSON.parse((await run(tsx, [child, emu.baseUrl, inFlight], { encoding: 'utf8', maxBuffer: 1 << 20 })).stdout) as Measure;
      results[inFlight] = { ...m, requests: emu.requests.length };
    }
    const one = results['1']!;
    const three = results['3']!;
    const row = (label: string, a: string, b: string, ratio = '') => rows.push(`| ${label} | ${a} | ${b} | ${ratio} |`);
    row('wall time', `${(one.wallMs / 1000).toFixed(1)} s`, `${(three.wallMs / 1000).toFixed(1)} s`, `${(one.wallMs / three.wallMs).toFixed(2)}× faster`);
    row('first words', `${one.firstTextMs.toFixed(0)} ms`, `${three.firstTextMs.toFixed(0)} ms`);
    row('peak RSS', `${one.peakRssMb.toFixed(0)} MB`, `${three.peakRssMb.toFixed(0)} MB`, `${(three.peakRssMb / one.peakRssMb).toFixed(2)}×`);
    row('model requests (emulator count)', String(one.requests), String(three.requests));
    row('segments', String(one.segments), String(three.segments));
    row('tokens in / out', `${one.tokensIn} / ${one.tokensOut}`, `${three.tokensIn} / ${three.tokensOut}`);
    row('voice note', `${one.voiceSecs.toFixed(0)} s, ${(one.voiceBytes / 1048576).toFixed(1)} MiB`, `${three.voiceSecs.toFixed(0)} s, ${(three.voiceBytes / 1048576).toFixed(1)} MiB`);
    row('cut short', String(one.truncated), String(three.truncated));
  } finally {
    await emu.close();
  }
  return rows;
}
