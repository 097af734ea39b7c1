/**
 * Issue 13, "keep the main thread free" and "memory": the translation stage (request → streamed answer → voice
 * note, `runTranslation` with the real `Translator` and `VoiceEncoder`) as built, against the previous behaviour kept
 * behind flags, in the same run:
 * - before: Opus encoded on the main thread (`setVoiceEncoderWorkers(0)`), the SDK's serialised body (the data URI
 *   copied into a JSON string, then into bytes), the SSE loop never yielding (`yieldAfterMs: Infinity`);
 * - after: the encoder pool (min(2, cores) threads), the input streamed into the body and released once the answer
 *   starts, the SSE loop yielding every 2 ms.
 * The model emulator runs in a process of its own (bench/model-emulator-child.ts), so the event-loop figures are the
 * bot's alone. Every job sends a distinct WAV (no dedupe, no cache: there is none at this stage), there is no queue
 * (all N at once: the cap is N). Chat posting is not part of it (bench/discord.ts, bench/slack.ts).
 * Proof of work per row: model calls, request bytes, voice notes and their seconds.
 *
 * Run alone: `npx tsx bench/main-thread.ts` (BENCH_RUNS, default 3; MAIN_THREAD_N, default 1,16,64,200).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { loadavg } from 'node:os';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { encodeWav } from '../src/audio/wav.js';
import { InlineVoiceEncoder, VoiceEncoder, setVoiceEncoderWorkers, shutdownVoiceEncoderPool, voiceEncoderWorkers } from '../src/audio/voice-encoder.js';
import type { PreparedMedia } from '../src/media/types.js';
import { runTranslation, type TranslationResult } from '../src/pipeline.js';
import { planTranslation } from '../src/plan.js';
import { Translator } from '../src/translator/translator.js';
import { sine } from '../test/support/media-fixtures.js';

type Mode = 'before' | 'after';
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))] ?? NaN;
const tsx = resolve(import.meta.dirname, '../node_modules/.bin/tsx');
const POOL = voiceEncoderWorkers() || 2;
const plan = planTranslation({ to: 'en', from: 'zh' }, { strict: false });

/**
 * The model emulator in a child process; `close` ends it. `nice` starts it (and the process tsx starts) at that CPU
 * priority, for a bench where it stands in for a remote service that would not share the bot's cores.
 */
export async function emulatorChild(options: object, nice = 0): Promise<{ baseUrl: string; close: () => Promise<void> }> {
  const args = [resolve(import.meta.dirname, 'model-emulator-child.ts'), JSON.stringify({ apiKeys: ['bench'], ...options })];
  const child: ChildProcess = nice > 0
    ? spawn('nice', ['-n', String(nice), tsx, ...args], { stdio: ['pipe', 'pipe', 'inherit'] })
    : spawn(tsx, args, { stdio: ['pipe', 'pipe', 'inherit'] });
  const line = await new Promise<string>((done, fail) => {
    createInterface({ input: child.stdout! }).once('line', done);
    child.once('exit', (code) => fail(new Error(`the model emulator exited (${code})`)));
  });
  return {
    baseUrl: line.trim(),
    close: () => new Promise<void>((done) => {
      child.once('exit', () => done());
      child.stdin!.end();
    }),
  };
}

/** The i-th job's input length: about 3 s, a distinct number of ms per job (how the emulator's records are matched). */
const inputSecs = (i: number) => 3 + i / 1000;

/** A distinct WAV per job (its own tone), as the data URI the intake would hand over. */
function dataUri(seconds: number, i: number): string {
  return `data:audio/wav;base64,${encodeWav(sine(seconds, 16000, 200 + i), 16000).toString('base64')}`;
}

function media(uri: string): PreparedMedia {
  return {
    source: { kind: 'audio', format: 'wav', mime: 'audio/wav', bytes: uri.length, durationSecs: undefined },
    contentHash: '', sent: { kind: 'audio', format: 'wav', bytes: uri.length, via: 'data-uri' },
    estimatedInputTokens: undefined, notices: [],
    part: { type: 'input_audio', input_audio: { data: uri, format: 'wav' } },
  };
}

interface Counted { calls: number; bytes: number }

function setMode(mode: Mode, baseUrl: string, counted: Counted): Translator {
  setVoiceEncoderWorkers(mode === 'before' ? 0 : POOL);
  const countingFetch: typeof fetch = (url, init) => {
    counted.calls++;
    const length = new Headers(init?.headers).get('content-length');
    counted.bytes += length ? Number(length) : typeof init?.body === 'string' ? Buffer.byteLength(init.body) : 0;
    return fetch(url, init);
  };
  return new Translator({
    apiKey: 'bench', baseUrl, model: 'qwen3-livetranslate-flash', fetch: countingFetch,
    streamRequestBody: mode === 'after', yieldAfterMs: mode === 'after' ? 2 : Infinity,
  });
}

/**
 * Time the event loop spent in stalls past 50 ms: a 5 ms timer's lateness beyond 50 ms, summed. A per-tick
 * percentile under-weights long stalls (a 2 s stall is one sample among hundreds of punctual ones); this does not.
 */
function stallMeter(): { stop(): number } {
  let stalled = 0;
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    stalled += Math.max(0, now - last - 5 - 50);
    last = now;
  }, 5);
  return {
    stop: () => {
      clearInterval(timer);
      return stalled;
    },
  };
}

interface BatchFigures { busyPct: number; stalledPct: number; jobsPerSec: number; loopP99: number; loopMax: number; firstTextP50: number; firstTextP95: number; lagP50: number; lagP95: number; calls: number; bytes: number; notes: number; noteSecs: number; failed: number }

/**
 * The bot's share of first-text latency, per job: when the bot had the first words (Date.now) minus when the model
 * emulator wrote them (its own record, same clock), matched by the job's distinct input. The rest of "first text" is
 * the emulator taking in N requests at once on this machine, which a remote service does elsewhere.
 */
async function firstTextLags(baseUrl: string, uris: string[], gotAt: (number | undefined)[]): Promise<number[]> {
  const records = (await (await fetch(new URL('/__emulator/requests', baseUrl))).json()) as { input?: { durationSecs?: number }; firstTextAt?: number }[];
  const sentAt = new Map<number, number>(); // by the input's length in ms, distinct per job (see `inputSecs`)
  for (const r of records) {
    if (r.input?.durationSecs && r.firstTextAt) sentAt.set(Math.round(r.input.durationSecs * 1000), r.firstTextAt);
  }
  return uris.flatMap((_, i) => {
    const sent = sentAt.get(Math.round(inputSecs(i) * 1000));
    const got = gotAt[i];
    return sent !== undefined && got !== undefined ? [got - sent] : [];
  });
}

export async function batch(n: number, mode: Mode, baseUrl: string, salt: number): Promise<BatchFigures> {
  const counted: Counted = { calls: 0, bytes: 0 };
  const translator = setMode(mode, baseUrl, counted);
  const uris = Array.from({ length: n }, (_, i) => dataUri(inputSecs(i), salt * 1000 + i));
  await fetch(new URL('/__emulator/reset', baseUrl), { method: 'POST' });
  const gotAt: (number | undefined)[] = [];
  await sleep(100); // making the inputs (the intake's work) is not part of what is measured
  const loop = monitorEventLoopDelay({ resolution: 5 });
  loop.enable();
  const stalls = stallMeter();
  const elu0 = performance.eventLoopUtilization();
  const t0 = performance.now();
  const settled = await Promise.allSettled(uris.map((uri, i) => runTranslation(translator, media(uri), plan, { onText: () => (gotAt[i] ??= Date.now()) })));
  const wall = (performance.now() - t0) / 1000;
  loop.disable();
  const stalledMs = stalls.stop();
  const busy = performance.eventLoopUtilization(elu0).utilization * 100;
  const results = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const first = results.map((r: TranslationResult) => r.timings.firstTextMs ?? NaN);
  const lags = await firstTextLags(baseUrl, uris, gotAt);
  if (lags.length !== results.length) throw new Error(`first-text lag matched ${lags.length} of ${results.length} jobs`);
  return {
    busyPct: busy, stalledPct: stalledMs / (wall * 10), jobsPerSec: n / wall, loopP99: loop.percentile(99) / 1e6, loopMax: loop.max / 1e6,
    firstTextP50: pct(first, 50), firstTextP95: pct(first, 95), lagP50: pct(lags, 50), lagP95: pct(lags, 95),
    calls: counted.calls, bytes: counted.bytes, failed: settled.length - results.length,
    notes: results.filter((r) => r.voiceNote).length, noteSecs: results.reduce((s, r) => s + (r.voiceNote?.durationSecs ?? 0), 0),
  };
}

/** Event-loop delay, first text and jobs/s at N concurrent jobs, before vs after, median of `runs` batches each. */
export async function mainThreadBench(runs: number, ns = [1, 16, 64, 200]): Promise<string[]> {
  const emu = await emulatorChild({ audioSeconds: 3, chunkDelayMs: { min: 20, max: 60 }, text: 'A translated voice note of ordinary length, streamed by the model a few words at a time.' });
  const rows: string[] = [];
  try {
    await batch(2, 'after', emu.baseUrl, 999); // warm-up: the pool's threads, the SDK, the connections
    await batch(2, 'before', emu.baseUrl, 998);
    for (const n of ns) {
      const figures: Record<Mode, BatchFigures[]> = { before: [], after: [] };
      for (let r = 0; r < runs; r++) {
        for (const mode of (r % 2 === 0 ? ['before', 'after'] : ['after', 'before']) as Mode[]) {
          figures[mode].push(await batch(n, mode, emu.baseUrl, r * 2 + (mode === 'after' ? 1 : 0)));
          await sleep(200);
        }
      }
      const m = (mode: Mode, k: keyof BatchFigures) => median(figures[mode].map((f) => f[k]));
      const row = (label: string, k: keyof BatchFigures, digits: number, unit: string, lowerIsBetter = true) => {
        const b = m('before', k);
        const a = m('after', k);
        const ratio = lowerIsBetter ? b / a : a / b;
        rows.push(`| ${n} | ${label} | ${b.toFixed(digits)}${unit} | ${a.toFixed(digits)}${unit} | ${Number.isFinite(ratio) ? `${ratio.toFixed(2)}×` : '—'} |`);
      };
      row('event-loop delay p99', 'loopP99', 1, ' ms');
      row('event-loop delay max', 'loopMax', 1, ' ms');
      row('time in stalls past 50 ms', 'stalledPct', 1, ' %');
      row('main thread busy (event-loop utilisation)', 'busyPct', 0, ' %');
      row('first text p50 (from the request)', 'firstTextP50', 0, ' ms');
      row('first text p95 (from the request)', 'firstTextP95', 0, ' ms');
      row('first text: model wrote it → bot had it, p50', 'lagP50', 1, ' ms');
      row('first text: model wrote it → bot had it, p95', 'lagP95', 1, ' ms');
      row('jobs/s', 'jobsPerSec', 1, '', false);
      const proof = (mode: Mode) => {
        const f = figures[mode];
        const sum = (k: keyof BatchFigures) => f.reduce((s, x) => s + x[k], 0);
        return `${sum('calls')} calls, ${(sum('bytes') / 1048576).toFixed(1)} MB sent, ${sum('notes')} notes (${sum('noteSecs').toFixed(0)} s), ${sum('failed')} failed`;
      };
      rows.push(`| ${n} | work done (${runs} batches) | ${proof('before')} | ${proof('after')} | |`);
    }
  } finally {
    await emu.close();
  }
  return rows;
}

/**
 * Memory per running 5-minute job: K jobs with a distinct 5-minute 16 kHz WAV each (9.6 MB, a 12.8 MB data URI),
 * measured mid-answer (every job past 20 s of its 5 minutes of speech) after a full GC: what the main thread's heap
 * and buffers hold above the process's baseline before the inputs existed (the pool's threads already started), and
 * the RSS added from the moment the inputs existed (as the intake hands them over) — RSS also counts garbage not yet
 * returned to the system and the pool threads' heaps (a note's pages, ~4 KB per second of speech, live there). A
 * fresh process per mode and run.
 */
export async function memoryPerJobBench(runs: number, jobs = 4): Promise<string[]> {
  const emu = await emulatorChild({ audioSeconds: 300, chunkDelayMs: { min: 2, max: 4 }, text: 'A long translated answer. '.repeat(200) });
  const rows: string[] = [];
  try {
    const measure = async (mode: Mode) => {
      const out: { rssMb: number; jsMb: number; peakMb: number; calls: number; inputMb: number; noteSecs: number }[] = [];
      for (let r = 0; r < runs; r++) {
        const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', fileURLToPath(import.meta.url), 'memory-child', mode, emu.baseUrl, String(jobs)], { stdio: ['ignore', 'pipe', 'inherit'] });
        let text = '';
        child.stdout.on('data', (d: Buffer) => (text += d.toString()));
        await new Promise((done) => child.once('exit', done));
        out.push(JSON.parse(text.trim().split('\n').at(-1)!) as (typeof out)[number]);
      }
      return out;
    };
    const before = await measure('before');
    const after = await measure('after');
    const m = (xs: typeof before, k: keyof (typeof before)[number]) => median(xs.map((x) => x[k]));
    const row = (label: string, k: keyof (typeof before)[number]) =>
      rows.push(`| ${label} | ${m(before, k).toFixed(1)} MB | ${m(after, k).toFixed(1)} MB | ${(m(before, k) / m(after, k)).toFixed(1)}× |`);
    row('per running job: held (main heap + external after GC) above the baseline without inputs', 'jsMb');
    row('per running job: RSS added once the inputs exist (request, answer, encoding)', 'rssMb');
    row('peak RSS of the process (all jobs, upload included)', 'peakMb');
    const proof = (xs: typeof before) => `${xs.reduce((s, x) => s + x.calls, 0)} calls, ${xs.reduce((s, x) => s + x.inputMb, 0).toFixed(0)} MB of input sent, ${xs.reduce((s, x) => s + x.noteSecs, 0).toFixed(0)} s of notes`;
    rows.push(`| work done (${runs} processes × ${jobs} jobs) | ${proof(before)} | ${proof(after)} | |`);
  } finally {
    await emu.close();
  }
  return rows;
}

async function memoryChild(mode: Mode, baseUrl: string, jobs: number): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc!;
  const counted: Counted = { calls: 0, bytes: 0 };
  const translator = setMode(mode, baseUrl, counted);
  // warm-up: the pool's threads started, the SDK and a connection used once
  await runTranslation(translator, media(dataUri(1, 7777)), planTranslation({ to: 'en' }, { strict: false }));
  const usage = () => {
    gc();
    gc();
    const u = process.memoryUsage();
    return { rss: u.rss, js: u.heapUsed + u.external };
  };
  await sleep(200);
  const base = usage(); // before the inputs exist
  const inputs = Array.from({ length: jobs }, (_, i) => media(dataUri(300, i))); // the intake's copies, handed over
  const withInputs = usage();
  const heard = new Array<number>(jobs).fill(0);
  const running = inputs.map((job, i) => runTranslation(translator, job, plan, { onEvent: (e) => void (e.type === 'audio' && (heard[i]! += e.pcm.length)) }));
  inputs.length = 0; // from here only the jobs hold them
  while (heard.some((s) => s < 20 * 24_000)) await sleep(20);
  const mid = usage();
  if (process.env.BENCH_HEAP_SNAPSHOT) (await import('node:v8')).writeHeapSnapshot(`${process.env.BENCH_HEAP_SNAPSHOT}-${mode}.heapsnapshot`);
  const results = await Promise.all(running);
  const mb = (b: number) => b / 1048576;
  process.stdout.write(`${JSON.stringify({
    rssMb: mb(mid.rss - withInputs.rss) / jobs, jsMb: mb(mid.js - base.js) / jobs, peakMb: process.resourceUsage().maxRSS / 1024,
    calls: counted.calls - 1, inputMb: mb(counted.bytes), noteSecs: results.reduce((s, r) => s + (r.voiceNote?.durationSecs ?? 0), 0),
  })}\n`);
  await shutdownVoiceEncoderPool();
}

/**
 * Encoder speed by CPU time (process.cpuUsage: every thread of the process) and the main thread's share of it
 * (event-loop utilisation): 8 notes of 60 s of 24 kHz speech-like audio fed in 100 ms slices, all at once.
 */
export async function encoderCpuBench(runs: number): Promise<string[]> {
  const notes = 8;
  const seconds = 60;
  const pcm = Array.from({ length: notes }, (_, i) => {
    const s = sine(seconds, 24000, 180 + i * 7);
    for (let k = 0; k < s.length; k++) s[k] = Math.round(s[k]! * (0.55 + 0.45 * Math.sin(k / 2400)));
    return s;
  });
  const once = async (mode: Mode) => {
    setVoiceEncoderWorkers(mode === 'before' ? 0 : POOL);
    const elu0 = performance.eventLoopUtilization();
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const made = await Promise.all(pcm.map(async (samples) => {
      const encoder = mode === 'before' ? new InlineVoiceEncoder() : new VoiceEncoder();
      for (let at = 0; at < samples.length; at += 2400) {
        encoder.write(samples.subarray(at, at + 2400));
        if (at % 48_000 === 0) await new Promise((r) => setImmediate(r));
      }
      return encoder.finish();
    }));
    const cpu = process.cpuUsage(cpu0);
    const elu = performance.eventLoopUtilization(elu0);
    return { cpuMs: (cpu.user + cpu.system) / 1000, mainMs: elu.active, wallMs: performance.now() - t0, secs: made.reduce((s, n) => s + n.durationSecs, 0), bytes: made.reduce((s, n) => s + n.ogg.length, 0) };
  };
  await once('after'); // the threads started
  const figures: Record<Mode, Awaited<ReturnType<typeof once>>[]> = { before: [], after: [] };
  for (let r = 0; r < runs; r++) for (const mode of ['before', 'after'] as Mode[]) figures[mode].push(await once(mode));
  const m = (mode: Mode, k: keyof (typeof figures.before)[number]) => median(figures[mode].map((f) => f[k]));
  const speed = (mode: Mode) => m(mode, 'secs') / (m(mode, 'cpuMs') / 1000);
  return [
    `| audio seconds per CPU second (all threads) | ${speed('before').toFixed(0)}× | ${speed('after').toFixed(0)}× | ${(speed('after') / speed('before')).toFixed(2)}× |`,
    `| main thread busy for ${notes} × ${seconds} s | ${m('before', 'mainMs').toFixed(0)} ms | ${m('after', 'mainMs').toFixed(0)} ms | ${(m('before', 'mainMs') / m('after', 'mainMs')).toFixed(1)}× less |`,
    `| wall time (${POOL} threads) | ${m('before', 'wallMs').toFixed(0)} ms | ${m('after', 'wallMs').toFixed(0)} ms | ${(m('before', 'wallMs') / m('after', 'wallMs')).toFixed(2)}× |`,
    `| work done per run | ${m('before', 'secs').toFixed(0)} s of notes, ${(m('before', 'bytes') / 1024).toFixed(0)} KiB | ${m('after', 'secs').toFixed(0)} s of notes, ${(m('after', 'bytes') / 1024).toFixed(0)} KiB | |`,
  ];
}

/** Prints the three tables (what `npm run bench` and a run of this file show). */
export async function printMainThread(runs: number, ns?: number[]): Promise<void> {
  const date = new Date().toISOString().slice(0, 10);
  const load = () => `load average ${loadavg().map((l) => l.toFixed(1)).join(' / ')}`;
  console.log(`\nThe main thread under N concurrent jobs: translation stage only (distinct 3 s WAVs, 3 s answers paced 20-60 ms a chunk, emulator in its own process, no queue), median of ${runs} (node ${process.version}, ${date}, ${load()})\n`);
  console.log('| N | measure | before (encode on main thread, serialised body, no yield) | after (pool, streamed body, yield) | after vs before |');
  console.log('|---|---|---|---|---|');
  console.log((await mainThreadBench(runs, ns)).join('\n'));
  console.log(`\nMemory per running 5-minute job (distinct 5-minute 16 kHz WAVs, measured mid-answer after GC), median of ${runs} fresh processes (${date}, ${load()})\n`);
  console.log('| measure | before | after | before / after |');
  console.log('|---|---|---|---|');
  console.log((await memoryPerJobBench(runs)).join('\n'));
  console.log(`\nOpus encoder speed by CPU time, 8 notes of 60 s at once, median of ${runs} (${date}, ${load()})\n`);
  console.log('| measure | on the main thread (before) | worker pool (after) | ratio |');
  console.log('|---|---|---|---|');
  console.log((await encoderCpuBench(runs)).join('\n'));
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  if (process.argv[2] === 'memory-child') {
    await memoryChild(process.argv[3] as Mode, process.argv[4]!, Number(process.argv[5]));
  } else {
    const ns = process.env.MAIN_THREAD_N?.split(',').map(Number);
    await printMainThread(Number(process.env.BENCH_RUNS ?? 3), ns);
  }
  await shutdownVoiceEncoderPool();
}
