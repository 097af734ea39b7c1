/**
 * Issue 9 figures: the Ogg Opus decompression bomb (1-byte packets of 120 ms each, last page claiming 5 s; see
 * test/hostile/ogg-corpus.ts) through the bot's real intake (`prepareMedia`, as a Discord voice message takes it).
 * Each size runs in a fresh process so its peak RSS is its own (`process.resourceUsage().maxRSS`, which the kernel
 * keeps, worker threads included). The main thread's responsiveness is the longest gap between 5 ms ticks of a timer
 * while the file is handled. Figures are printed, never asserted: record them in bench/RESULTS.md with their date.
 *
 * `tsx bench/ogg-bomb.ts <bytes> [bomb|honest]` runs one measurement and prints it as JSON.
 */
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { prepareMedia } from '../src/media/intake.js';
import { bombSeconds, oggOpusBomb } from '../test/hostile/ogg-corpus.js';

interface Measure { bytes: number; outcome: string; ms: number; baseRssMb: number; peakRssMb: number; maxTickGapMs: number }

/** `honest`: the granules tell the truth (the longest file the cap lets through is decoded: the legitimate worst case). */
async function measureOnce(bytes: number, honest: boolean): Promise<Measure> {
  const file = oggOpusBomb({ bytes, claimSeconds: honest ? bombSeconds(bytes) : 5 });
  const baseRssMb = process.memoryUsage.rss() / 1024 / 1024;
  let last = performance.now();
  let maxTickGapMs = 0;
  const ticker = setInterval(() => {
    const now = performance.now();
    maxTickGapMs = Math.max(maxTickGapMs, now - last);
    last = now;
  }, 5);
  const started = performance.now();
  let outcome: string;
  try {
    const media = await prepareMedia({ kind: 'bytes', data: file }, { maxBytes: 25 * 1024 * 1024 });
    outcome = `accepted as ${media.source.durationSecs?.toFixed(1)} s, ${(media.sent.bytes / 1024 / 1024).toFixed(0)} MB sent`;
  } catch (err) {
    outcome = `refused: ${(err as Error).message}`;
  }
  const ms = performance.now() - started;
  clearInterval(ticker);
  const now = performance.now();
  maxTickGapMs = Math.max(maxTickGapMs, now - last);
  return { bytes: file.length, outcome, ms, baseRssMb, peakRssMb: process.resourceUsage().maxRSS / 1024, maxTickGapMs };
}

const tsx = resolve(import.meta.dirname, '../node_modules/.bin/tsx');
const run = promisify(execFile);

const CASES: Array<[bytes: number, honest: boolean]> = [[1024 * 1024, false], [10 * 1024 * 1024, false], [63 * 1024, true]];

export async function oggBombBench(): Promise<string[]> {
  const rows: string[] = [];
  for (const [bytes, honest] of CASES) {
    const args = [import.meta.filename, String(bytes), honest ? 'honest' : 'bomb'];
    const { stdout } = await run(tsx, args, { encoding: 'utf8', maxBuffer: 1 << 20 });
    const m = JSON.parse(stdout) as Measure;
    const held = bombSeconds(bytes) >= 7200 ? `${(bombSeconds(bytes) / 3600).toFixed(1)} h` : `${(bombSeconds(bytes) / 60).toFixed(0)} min`;
    rows.push(
      `| ${(m.bytes / 1024).toFixed(0)} KiB (${held} in packets, claims ${honest ? 'the same' : '5 s'}) | ` +
        `${m.peakRssMb.toFixed(0)} MB (start ${m.baseRssMb.toFixed(0)} MB) | ${m.maxTickGapMs.toFixed(1)} ms | ${m.ms.toFixed(0)} ms | ${m.outcome} |`,
    );
  }
  return rows;
}

if (process.argv[1] === import.meta.filename && process.argv[2]) {
  console.log(JSON.stringify(await measureOnce(Number(process.argv[2]), process.argv[3] === 'honest')));
}
