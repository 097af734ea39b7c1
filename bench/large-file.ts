import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { findFfmpeg } from '../src/media/ffmpeg.js';

/**
 * Issue 11, large files: peak memory of preparing a ~100 MB WAV (9 min of 48 kHz 16-bit stereo, 192,000 bytes a
 * second: 103.7 MB), one fresh process per run. The intake decodes it to the 16 kHz mono PCM the segmenter cuts
 * (17 MB for 9 min), so what is measured is what the FILE costs beyond that. Median of `runs`.
 * Standalone: `npx tsx bench/large-file.ts [runs]`.
 */
const run = promisify(execFile);
const tsx = resolve(import.meta.dirname, '../node_modules/.bin/tsx');
const child = resolve(import.meta.dirname, 'large-file-child.ts');

interface Measure { wallMs: number; startRssMb: number; peakRssMb: number; seconds: number; pcmMb: number; sentMb: number }
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export async function largeFileBench(runs = 3): Promise<string[]> {
  const ffmpeg = findFfmpeg(process.env.FFMPEG_PATH);
  if (!ffmpeg) return ['| (skipped: no ffmpeg) | | | |'];
  const dir = mkdtempSync(join(tmpdir(), 'lt-bench-large-'));
  try {
    const wav = join(dir, 'talk.wav');
    const made = spawnSync(ffmpeg, ['-v', 'error', '-f', 'lavfi', '-i', 'sine=frequency=440:duration=540', '-ac', '2', '-ar', '48000', '-c:a', 'pcm_s16le', wav]);
    if (made.status !== 0) throw new Error(`ffmpeg: ${made.stderr.toString()}`);
    const ms: Measure[] = [];
    for (let i = 0; i < runs; i++) {
      ms.push(JSON.parse((await run(tsx, [child, wav], { encoding: 'utf8' })).stdout) as Measure);
    }
    const m = (k: keyof Measure) => median(ms.map((x) => x[k]));
    return [
      `| ${(statSync(wav).size / 1e6).toFixed(1)} MB WAV, ${(m('seconds') / 60).toFixed(0)} min 48 kHz stereo | ${m('peakRssMb').toFixed(0)} MB (start ${m('startRssMb').toFixed(0)} MB) | ${(m('wallMs') / 1000).toFixed(2)} s | PCM kept ${m('pcmMb').toFixed(1)} MB |`,
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log('| file | peak RSS | time | note |\n|---|---|---|---|');
  console.log((await largeFileBench(Number(process.argv[2] ?? 3))).join('\n'));
}
