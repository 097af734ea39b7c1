/**
 * `npm run bench`: the audio pipeline as built (reassemble + encode while the model streams) against the model
 * guide's approach (concatenate all base64, decode after the stream ends, then encode), on the same emulated 60 s
 * and 5 min outputs, in one run. Each measurement is a fresh process (so peak memory is its own); the median of
 * RUNS is reported. Timing is printed, never asserted: record the output in bench/RESULTS.md with its date.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { resolve } from 'node:path';
import { startModelEmulator } from '../test/emulators/model/index.js';
import { discordBench } from './discord.js';
import { printDiscordThroughput } from './discord-throughput.js';
import { slackBench } from './slack.js';
import { memoryBench } from './memory.js';
import { oggBombBench } from './ogg-bomb.js';
import { liveWebmBench } from './live-webm.js';
import { startupBench } from './startup.js';
import { opusBackendsBench } from './opus-backends.js';
import { sqliteDriversBench } from './sqlite-drivers.js';
import { longRecordingBench } from './long-recording.js';
import { largeFileBench } from './large-file.js';
import { printMainThread } from './main-thread.js';
import { printScaleOut, scaleOutBench } from './scale-out.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const child = resolve(import.meta.dirname, 'audio-pipeline.ts');
const tsx = resolve(import.meta.dirname, '../node_modules/.bin/tsx');

interface Measure { msLastChunkToNote: number; encodeCpuMs: number; peakRssMb: number; audioSeconds: number; oggBytes: number }
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

// async: the emulator serves from this process's event loop while the child runs
const run = promisify(execFile);

async function measure(approach: string, baseUrl: string): Promise<Measure> {
  const runs: Measure[] = [];
  for (let i = 0; i < RUNS; i++) {
    runs.push(JSON.parse((await run(tsx, [child, approach, baseUrl], { encoding: 'utf8' })).stdout) as Measure);
  }
  const pick = (k: keyof Measure) => median(runs.map((r) => r[k]));
  return { msLastChunkToNote: pick('msLastChunkToNote'), encodeCpuMs: pick('encodeCpuMs'), peakRssMb: pick('peakRssMb'), audioSeconds: pick('audioSeconds'), oggBytes: pick('oggBytes') };
}

const emu = await startModelEmulator({ chunkDelayMs: 0, fragmentMode: 'aligned' });
const rows: string[] = [];
try {
  for (const seconds of [60, 300]) {
    emu.configure({ audioSeconds: seconds, text: 'A translated sentence of moderate length. '.repeat(Math.ceil(seconds / 5)) });
    const ours = await measure('streaming', emu.baseUrl);
    const seed = await measure('seed', emu.baseUrl);
    const speed = (m: Measure) => m.audioSeconds / (m.encodeCpuMs / 1000);
    rows.push(
      `| ${seconds} s | last chunk → voice note | ${ours.msLastChunkToNote.toFixed(1)} ms | ${seed.msLastChunkToNote.toFixed(1)} ms | ${(seed.msLastChunkToNote / ours.msLastChunkToNote).toFixed(1)}× faster |`,
      `| ${seconds} s | peak RSS | ${ours.peakRssMb.toFixed(1)} MB | ${seed.peakRssMb.toFixed(1)} MB | ${(seed.peakRssMb / ours.peakRssMb).toFixed(2)}× |`,
      `| ${seconds} s | encoder speed | ${speed(ours).toFixed(0)}× real time | ${speed(seed).toFixed(0)}× real time | ${(speed(ours) / speed(seed)).toFixed(2)}× |`,
      `| ${seconds} s | voice note | ${ours.audioSeconds.toFixed(2)} s, ${(ours.oggBytes / 1024).toFixed(0)} KiB | ${seed.audioSeconds.toFixed(2)} s, ${(seed.oggBytes / 1024).toFixed(0)} KiB | |`,
    );
  }
} finally {
  await emu.close();
}
console.log(`Audio pipeline, median of ${RUNS} runs each (node ${process.version}, ${new Date().toISOString().slice(0, 10)})\n`);
console.log('| output | measure | as built (stream) | seed guide (after) | ratio |');
console.log('|---|---|---|---|---|');
console.log(rows.join('\n'));

console.log(`\nDiscord, against the emulators in one process (${new Date().toISOString().slice(0, 10)})\n`);
console.log('| measure | value | note |');
console.log('|---|---|---|');
console.log((await discordBench(RUNS)).join('\n'));
// issue 13: jobs/s, the bot's event-loop delay, first text and counted REST calls per job at N = 1, 16, 64, 200
await printDiscordThroughput();

console.log(`\nSlack, against the emulators in one process, median of ${RUNS} (${new Date().toISOString().slice(0, 10)})\n`);
console.log('| measure | native streaming | post + chat.update (baseline) | baseline / native |');
console.log('|---|---|---|---|');
console.log((await slackBench(RUNS)).join('\n'));

console.log(`\nCache and fairness, against the emulators in one process (${new Date().toISOString().slice(0, 10)})\n`);
console.log('| measure | value | note |');
console.log('|---|---|---|');
console.log((await memoryBench(RUNS)).join('\n'));

console.log(`\nOgg Opus bomb through the intake, one fresh process each (${new Date().toISOString().slice(0, 10)})\n`);
console.log('| file | peak RSS | longest main-thread stall | time | outcome |');
console.log('|---|---|---|---|---|');
console.log((await oggBombBench()).join('\n'));

console.log(`\nA live WebM over the cap through the intake (${new Date().toISOString().slice(0, 10)})\n`);
console.log('| file | time to the answer | outcome |');
console.log('|---|---|---|');
console.log((await liveWebmBench()).join('\n'));

console.log(`\nStart-up, the build (dist/, plain node) against the sources through tsx, median of ${RUNS} fresh processes (node ${process.version}, ${new Date().toISOString().slice(0, 10)})\n`);
console.log('| command | built | tsx | built vs tsx |');
console.log('|---|---|---|---|');
console.log((await startupBench(RUNS)).join('\n'));

console.log(`\nOpus backends: 60 s of 24 kHz speech-like audio at 32 kbit/s, audio seconds per CPU second, median of ${RUNS} (${new Date().toISOString().slice(0, 10)})\n`);
console.log('| backend | encode | vs @discordjs/opus | decode | vs @discordjs/opus | output | load |');
console.log('|---|---|---|---|---|---|---|');
console.log(opusBackendsBench(RUNS).join('\n'));

console.log(`\nSQLite drivers, the store's pattern on a WAL file, median of ${RUNS} (node ${process.version})\n`);
console.log('| driver | upsert | vs sqlite3 | read | vs sqlite3 |');
console.log('|---|---|---|---|---|');
console.log((await sqliteDriversBench(RUNS)).join('\n'));

console.log(`\nA 60-minute recording translated whole, 1 vs 3 segments in flight, fresh process each (${new Date().toISOString().slice(0, 10)})\n`);
console.log('| 60-minute recording | 1 in flight | 3 in flight | ratio |');
console.log('|---|---|---|---|');
console.log((await longRecordingBench()).join('\n'));

console.log(`\nA ~100 MB WAV through the intake (decoded for segments), median of 3 fresh processes (${new Date().toISOString().slice(0, 10)})\n`);
console.log('| file | peak RSS | time | note |');
console.log('|---|---|---|---|');
console.log((await largeFileBench(3)).join('\n'));

// issue 13: event-loop delay and first text at N = 1, 16, 64, 200 concurrent jobs, memory per running 5-minute job and
// Opus encoder CPU, before (flags) vs after in the same run
await printMainThread(Math.min(RUNS, 3));

// real processes on a throwaway redis-server (needs redis-server on PATH: scripts/ensure-redis.sh); a few minutes,
// shortened with SCALE_OUT_JOBS (default 48 jobs per worker count) and SCALE_OUT_KILL_RUNS (default RUNS)
const scaleOutJobs = Number(process.env.SCALE_OUT_JOBS ?? 48);
printScaleOut(await scaleOutBench(scaleOutJobs, Number(process.env.SCALE_OUT_KILL_RUNS ?? RUNS)), scaleOutJobs);
