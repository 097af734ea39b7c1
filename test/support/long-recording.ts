/**
 * Long recordings for tests (not used by the bot): real speech from espeak-ng, or tone bursts, joined by known
 * silences, so a test knows where every sentence and every pause is.
 *
 * - `speechTimeline(options)`: the sentences of long-recording-sentences.ts spoken by espeak-ng
 *   (scripts/ensure-espeak.sh installs it), cycled in order, at 16 kHz, with seeded silences of 0.5–1.5 s between
 *   them (an 11-minute timeline holds 142 sentences). All sentences are synthesized once per process
 *   (one espeak-ng run with 1 s SSML breaks, split at those breaks, resampled by ffmpeg): 3–4 s on a busy 2-core
 *   machine, after which a timeline is only assembled (11 minutes: about 0.2 s; 60 minutes: about 1 s).
 * - `toneTimeline(options)`: the same shape, each "sentence" a tone burst of 2–8 s at 300 + 10·k Hz (k = its index,
 *   cycling after 700 bursts to stay below 7.3 kHz) with 5 ms fades, so a test can tell which bursts a piece of audio
 *   holds by their frequencies.
 * - Each sentence's `startSec`/`endSec` bound its sound exactly (espeak's own leading and trailing silence is
 *   trimmed). `durationSec` is the requested duration: sentences are added while one more fits with its gap, the rest
 *   is silence. `knownPauses(timeline)` lists every silence between, before and after the sentences.
 * - Options: `seed` (default 1) fixes the gaps (and burst lengths); `levelDb` scales the sentences (saturating);
 *   `noiseDbfs` adds seeded white noise of that RMS over the whole timeline.
 * - `wavFile` is `encodeWav` of src/audio/wav.ts (16-bit mono WAV).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { parseWav } from '../../src/audio/wav.js';
import { seededRandom } from '../emulators/model/pcm-fragments.js';
import type { Pause } from '../../src/segments/pauses.js';
import { ffmpeg, withTempDir } from './audio-tools.js';
import { SENTENCES } from './long-recording-sentences.js';

export { encodeWav as wavFile } from '../../src/audio/wav.js';
export { SENTENCES } from './long-recording-sentences.js';

export const TIMELINE_RATE = 16000;

export interface TimelineSentence {
  startSec: number;
  endSec: number;
  text: string;
}

export interface Timeline<S extends TimelineSentence = TimelineSentence> {
  pcm: Int16Array;
  sampleRate: 16000;
  sentences: S[];
  durationSec: number;
}

export interface TimelineOptions {
  durationSec: number;
  seed?: number;
  minGapSec?: number;
  maxGapSec?: number;
  /** Gain applied to the sentences, in dB (default 0: espeak's own level, tones at -12 dBFS peak). */
  levelDb?: number;
  /** RMS of white noise added over the whole timeline, in dBFS (default none). */
  noiseDbfs?: number;
}

/** The model emulator's seeded generator (mulberry32): the same seed gives the same numbers in [0, 1). */
export { seededRandom } from '../emulators/model/pcm-fragments.js';

export function speechTimeline(options: TimelineOptions): Timeline {
  const voiced = voicedSentences();
  return assemble(options, (k) => {
    const i = k % SENTENCES.length;
    return { pcm: voiced[i] as Int16Array, sentence: { text: SENTENCES[i] as string } };
  });
}

export function toneTimeline(options: TimelineOptions): Timeline<TimelineSentence & { hz: number }> {
  const lengths = seededRandom((options.seed ?? 1) ^ 0x5eed);
  return assemble(options, (k) => {
    const hz = 300 + 10 * (k % 700);
    return { pcm: toneBurst(2 + 6 * lengths(), hz), sentence: { text: `${hz} Hz`, hz } };
  });
}

/** The silences of a timeline: before the first sentence, between sentences, after the last. */
export function knownPauses(timeline: Timeline): Pause[] {
  const pauses: Pause[] = [];
  let cursor = 0;
  for (const s of timeline.sentences) {
    if (s.startSec > cursor) pauses.push({ startSec: cursor, endSec: s.startSec });
    cursor = s.endSec;
  }
  if (timeline.durationSec > cursor) pauses.push({ startSec: cursor, endSec: timeline.durationSec });
  return pauses;
}

function assemble<S extends { text: string }>(
  options: TimelineOptions,
  clip: (k: number) => { pcm: Int16Array; sentence: S },
): Timeline<TimelineSentence & S> {
  const { durationSec, seed = 1, minGapSec = 0.5, maxGapSec = 1.5, levelDb = 0, noiseDbfs } = options;
  const total = Math.round(durationSec * TIMELINE_RATE);
  const pcm = new Int16Array(total);
  const gaps = seededRandom(seed);
  const gapSamples = () => Math.round((minGapSec + (maxGapSec - minGapSec) * gaps()) * TIMELINE_RATE);
  const gain = 10 ** (levelDb / 20);
  const sentences: (TimelineSentence & S)[] = [];
  let at = gapSamples();
  for (let k = 0; ; k++) {
    const { pcm: sound, sentence } = clip(k);
    const gap = gapSamples();
    if (at + sound.length + Math.round(minGapSec * TIMELINE_RATE) > total) break;
    for (let i = 0; i < sound.length; i++) pcm[at + i] = saturate((sound[i] ?? 0) * gain);
    sentences.push({ ...sentence, startSec: at / TIMELINE_RATE, endSec: (at + sound.length) / TIMELINE_RATE });
    at += sound.length + gap;
  }
  if (noiseDbfs !== undefined) {
    const noise = seededRandom(seed ^ 0x9e3779b9);
    const amplitude = 32768 * 10 ** (noiseDbfs / 20) * Math.sqrt(3); // uniform on [-a, a] has RMS a/√3
    for (let i = 0; i < total; i++) {
      const x = (pcm[i] as number) + amplitude * (2 * noise() - 1);
      pcm[i] = x > 32767 ? 32767 : x < -32768 ? -32768 : x; // an Int16Array store truncates toward zero
    }
  }
  return { pcm, sampleRate: TIMELINE_RATE, sentences, durationSec: total / TIMELINE_RATE };
}

const saturate = (x: number) => Math.max(-32768, Math.min(32767, Math.round(x)));

function toneBurst(seconds: number, hz: number): Int16Array {
  const n = Math.round(seconds * TIMELINE_RATE);
  const fade = Math.round(0.005 * TIMELINE_RATE);
  const out = new Int16Array(n);
  const peak = 32767 * 10 ** (-12 / 20);
  for (let i = 0; i < n; i++) {
    const edge = Math.min(1, (i + 1) / fade, (n - i) / fade);
    out[i] = Math.round(peak * edge * Math.sin((2 * Math.PI * hz * i) / TIMELINE_RATE));
  }
  return out;
}

let voicedCache: Int16Array[] | undefined;

/**
 * Every sentence of SENTENCES spoken by espeak-ng at 16 kHz, trimmed to its sound. One espeak-ng run speaks them all
 * with a 1 s break after each (SSML); the breaks are runs of exact zeros (espeak's silence within a sentence is under
 * 0.4 s), so the sentences are the stretches between runs of 0.8 s or more, and there must be exactly one per sentence.
 */
function voicedSentences(): Int16Array[] {
  if (voicedCache) return voicedCache;
  voicedCache = withTempDir((dir) => {
    const ssml = join(dir, 'sentences.ssml');
    const wav = join(dir, 'sentences.wav');
    const escape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
    writeFileSync(ssml, `<speak>${SENTENCES.map((s) => `${escape(s)}<break time="1s"/>`).join('')}</speak>`);
    const espeak = process.env.ESPEAK_PATH || 'espeak-ng';
    const r = spawnSync(espeak, ['-m', '-w', wav, '-f', ssml], { encoding: 'utf8' });
    if (r.error || r.status !== 0) {
      throw new Error(`espeak-ng failed (run scripts/ensure-espeak.sh): ${r.error?.message ?? r.stderr}`);
    }
    const source = parseWav(readFileSync(wav));
    const spans = soundSpans(source.samples, Math.round(0.8 * source.sampleRate));
    if (spans.length !== SENTENCES.length) {
      throw new Error(`espeak-ng gave ${spans.length} stretches of speech for ${SENTENCES.length} sentences`);
    }
    const resampled = ffmpeg(['-v', 'error', '-i', wav, '-ar', String(TIMELINE_RATE), '-f', 's16le', '-']);
    if (resampled.status !== 0) throw new Error(`ffmpeg could not resample espeak-ng's speech: ${resampled.stderr}`);
    const bytes = new Uint8Array(resampled.stdout);
    const all = new Int16Array(bytes.buffer, bytes.byteOffset, bytes.length >> 1);
    const ratio = TIMELINE_RATE / source.sampleRate;
    return spans.map(([from, to]) => trimZeros(all.subarray(Math.floor(from * ratio), Math.ceil(to * ratio))));
  });
  return voicedCache;
}

/** A copy of `samples` without the zeros at either end. */
function trimZeros(samples: Int16Array): Int16Array {
  let from = 0;
  let to = samples.length;
  while (from < to && samples[from] === 0) from++;
  while (to > from && samples[to - 1] === 0) to--;
  return samples.slice(from, to);
}

/** [first, end) sample of each stretch between runs of at least `gap` exact zeros. */
function soundSpans(samples: Int16Array, gap: number): [number, number][] {
  const spans: [number, number][] = [];
  let from = -1;
  let last = -1;
  for (let i = 0; i < samples.length; i++) {
    if (samples[i] === 0) continue;
    if (from < 0) from = i;
    else if (i - last - 1 >= gap) {
      spans.push([from, last + 1]);
      from = i;
    }
    last = i;
  }
  if (from >= 0) spans.push([from, last + 1]);
  return spans;
}
