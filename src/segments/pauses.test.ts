import { describe, expect, it } from 'vitest';

import { frequencyOf } from '../../test/support/audio-tools.js';
import { knownPauses, seededRandom, speechTimeline, toneTimeline, type Timeline } from '../../test/support/long-recording.js';
import { findPauses, type Pause } from './pauses.js';

/** Sound ('tone' at `hz`, or white 'noise') and silence, back to back, at `level` dBFS peak, with an optional background. */
function signal(
  parts: { kind: 'tone' | 'noise' | 'silence'; sec: number }[],
  { rate = 16000, level = -6, background }: { rate?: number; level?: number; background?: { kind: 'noise' | 'hum'; dbfs: number } } = {},
): { pcm: Int16Array; silences: Pause[] } {
  const total = parts.reduce((sum, p) => sum + Math.round(p.sec * rate), 0);
  const pcm = new Int16Array(total);
  const random = seededRandom(7);
  const peak = 32767 * 10 ** (level / 20);
  const silences: Pause[] = [];
  let at = 0;
  for (const part of parts) {
    const n = Math.round(part.sec * rate);
    if (part.kind === 'silence') silences.push({ startSec: at / rate, endSec: (at + n) / rate });
    for (let i = 0; i < n; i++) {
      if (part.kind === 'tone') pcm[at + i] = peak * Math.sin((2 * Math.PI * 440 * i) / rate);
      else if (part.kind === 'noise') pcm[at + i] = peak * (2 * random() - 1);
    }
    at += n;
  }
  if (background) {
    const a = 32768 * 10 ** (background.dbfs / 20);
    for (let i = 0; i < total; i++) {
      const b = background.kind === 'hum' ? a * Math.SQRT2 * Math.sin((2 * Math.PI * 50 * i) / rate) : a * Math.sqrt(3) * (2 * random() - 1);
      pcm[i] = Math.max(-32768, Math.min(32767, (pcm[i] as number) + b));
    }
  }
  return { pcm, silences };
}

const tone = (sec: number) => ({ kind: 'tone' as const, sec });
const noise = (sec: number) => ({ kind: 'noise' as const, sec });
const silence = (sec: number) => ({ kind: 'silence' as const, sec });

/** Every expected silence is found within ±tolerance at both ends, and nothing else is. */
function expectMatches(found: Pause[], expected: Pause[], tolerance = 0.03): void {
  expect(found.map((p) => [p.startSec, p.endSec]).length, JSON.stringify(found)).toBe(expected.length);
  found.forEach((p, i) => {
    const e = expected[i] as Pause;
    expect(Math.abs(p.startSec - e.startSec), `pause ${i} start ${p.startSec} vs ${e.startSec}`).toBeLessThanOrEqual(tolerance);
    expect(Math.abs(p.endSec - e.endSec), `pause ${i} end ${p.endSec} vs ${e.endSec}`).toBeLessThanOrEqual(tolerance);
  });
}

function expectSortedDisjoint(pauses: Pause[]): void {
  for (let i = 0; i < pauses.length; i++) {
    const p = pauses[i] as Pause;
    expect(p.endSec).toBeGreaterThan(p.startSec);
    if (i > 0) expect(p.startSec).toBeGreaterThan((pauses[i - 1] as Pause).endSec);
  }
}

describe('findPauses on synthetic signals', () => {
  const layout = [silence(0.4), tone(3), silence(0.6), noise(2.5), silence(1.2), tone(5), silence(0.35), noise(4), silence(0.8)];

  it.each([
    ['digital silence, -6 dBFS', {}],
    ['-45 dBFS white noise floor', { background: { kind: 'noise', dbfs: -45 } }],
    ['-40 dBFS 50 Hz hum', { background: { kind: 'hum', dbfs: -40 } }],
    ['a quiet recording (-40 dBFS) over -70 dBFS noise', { level: -40, background: { kind: 'noise', dbfs: -70 } }],
    ['a loud recording (0 dBFS) over -30 dBFS noise', { level: 0, background: { kind: 'noise', dbfs: -30 } }],
    ['48 kHz', { rate: 48000, background: { kind: 'noise', dbfs: -45 } }],
    ['8 kHz', { rate: 8000, background: { kind: 'noise', dbfs: -45 } }],
  ] as const)('finds the known gaps within ±30 ms and none inside a burst: %s', (_name, options) => {
    const { pcm, silences } = signal(layout, options);
    const found = findPauses(pcm, 'rate' in options ? options.rate : 16000);
    expectSortedDisjoint(found);
    expectMatches(found, silences);
  });

  it('ignores gaps shorter than minPauseSec (0.25 s by default, or as given)', () => {
    const { pcm, silences } = signal([tone(2), silence(0.1), tone(2), silence(0.2), tone(2), silence(0.3), tone(2), silence(0.6), tone(2)], {
      background: { kind: 'noise', dbfs: -45 },
    });
    expectMatches(findPauses(pcm, 16000), silences.slice(2));
    expectMatches(findPauses(pcm, 16000, { minPauseSec: 0.5 }), silences.slice(3));
    expectMatches(findPauses(pcm, 16000, { minPauseSec: 0.05 }), silences);
  });

  it('does not end a pause at a click shorter than 30 ms, but at a sound of 40 ms', () => {
    const { pcm } = signal([tone(2), silence(0.5), tone(0.01), silence(0.5), tone(2), silence(0.5), tone(0.04), silence(0.5), tone(2)]);
    const found = findPauses(pcm, 16000).map((p) => [p.startSec, p.endSec]);
    expect(found).toEqual([
      [2, 3.01],
      [5.01, 5.51],
      [5.55, 6.05],
    ]);
  });

  it('tells a tone timeline apart at every gap, over 10 minutes with a noise floor', () => {
    const timeline = toneTimeline({ durationSec: 600, noiseDbfs: -45, seed: 3 });
    expectMatches(findPauses(timeline.pcm, 16000), knownPauses(timeline));
  });

  it('reports a recording of only silence or only steady noise as one pause, and nothing for no samples', () => {
    expect(findPauses(new Int16Array(16000 * 3), 16000)).toEqual([{ startSec: 0, endSec: 3 }]);
    expectMatches(findPauses(signal([silence(3)], { background: { kind: 'noise', dbfs: -30 } }).pcm, 16000), [{ startSec: 0, endSec: 3 }]);
    expect(findPauses(new Int16Array(0), 16000)).toEqual([]);
    expect(findPauses(new Int16Array(10), 16000)).toEqual([]);
  });

  it('refuses a sample rate that is not positive', () => {
    expect(() => findPauses(new Int16Array(10), 0)).toThrow(RangeError);
    expect(() => findPauses(new Int16Array(10), Number.NaN)).toThrow(RangeError);
  });
});

/**
 * espeak-ng's own silences within one sentence are short: about 0.15 s at a comma, and the quiet stretches around one
 * reach 0.25–0.34 s when the speech is 20 dB quieter over a noise floor. So the claims are: every gap between
 * sentences is found (its bounds within `tolerance`), and a pause that overlaps no gap is shorter than 0.4 s.
 */
function expectSpeechPauses(timeline: Timeline, tolerance: number): void {
  const known = knownPauses(timeline);
  const found = findPauses(timeline.pcm, timeline.sampleRate);
  expectSortedDisjoint(found);
  for (const gap of known) {
    const match = found.filter((p) => p.startSec < gap.endSec && p.endSec > gap.startSec);
    expect(match, `gap ${gap.startSec}–${gap.endSec}`).toHaveLength(1);
    const [p] = match as [Pause];
    expect(Math.abs(p.startSec - gap.startSec), `gap ${gap.startSec} start`).toBeLessThanOrEqual(tolerance);
    expect(Math.abs(p.endSec - gap.endSec), `gap ${gap.endSec} end`).toBeLessThanOrEqual(tolerance);
  }
  for (const p of found) {
    if (known.some((gap) => p.startSec < gap.endSec && p.endSec > gap.startSec)) continue;
    expect(p.endSec - p.startSec, `pause ${p.startSec}–${p.endSec} inside a sentence`).toBeLessThan(0.4);
  }
}

describe('findPauses on real speech (espeak-ng sentences joined by 0.5–1.5 s silences)', () => {
  it('finds every gap of an 11-minute timeline within ±30 ms, with nothing of 0.4 s or more inside a sentence', () => {
    const timeline = speechTimeline({ durationSec: 660 });
    expect(timeline.sentences.length).toBeGreaterThan(130);
    expectSpeechPauses(timeline, 0.03);
  });

  it('does the same over a -50 dBFS noise floor', () => {
    expectSpeechPauses(speechTimeline({ durationSec: 300, seed: 5, noiseDbfs: -50 }), 0.05);
  });

  it('does the same for a quiet recording (30 dB down, no noise)', () => {
    expectSpeechPauses(speechTimeline({ durationSec: 300, seed: 6, levelDb: -30 }), 0.03);
  });

  it('still finds every gap for speech 20 dB down over -60 dBFS noise; soft word onsets blur the bounds to ±0.2 s', () => {
    expectSpeechPauses(speechTimeline({ durationSec: 300, seed: 7, levelDb: -20, noiseDbfs: -60 }), 0.2);
  });
});

describe('the long-recording timelines the tests are built on', () => {
  it('place sentences between silences of 0.5–1.5 s, the same for the same seed, and differently for another', () => {
    const a = speechTimeline({ durationSec: 120, seed: 9 });
    const b = speechTimeline({ durationSec: 120, seed: 9 });
    expect(Buffer.from(a.pcm.buffer).equals(Buffer.from(b.pcm.buffer))).toBe(true);
    expect(speechTimeline({ durationSec: 120, seed: 10 }).sentences).not.toEqual(a.sentences);
    expect(a.durationSec).toBe(120);
    expect(a.pcm.length).toBe(120 * 16000);
    const gaps = knownPauses(a);
    for (const gap of gaps.slice(0, -1)) {
      expect(gap.endSec - gap.startSec).toBeGreaterThanOrEqual(0.5 - 1e-9);
      expect(gap.endSec - gap.startSec).toBeLessThanOrEqual(1.5 + 1e-9);
    }
    for (const gap of gaps) {
      const silent = a.pcm.subarray(Math.round(gap.startSec * 16000), Math.round(gap.endSec * 16000));
      expect(silent.every((x) => x === 0)).toBe(true);
    }
    for (const s of a.sentences) {
      expect(s.endSec - s.startSec).toBeGreaterThan(1.5);
      expect(a.pcm[Math.round(s.startSec * 16000)]).not.toBe(0);
      expect(a.pcm[Math.round(s.endSec * 16000) - 1]).not.toBe(0);
    }
  });

  it('make tone bursts of 2–8 s, each at its own frequency', () => {
    const timeline = toneTimeline({ durationSec: 120 });
    timeline.sentences.forEach((s, k) => {
      expect(s.hz).toBe(300 + 10 * k);
      expect(s.endSec - s.startSec).toBeGreaterThanOrEqual(2);
      expect(s.endSec - s.startSec).toBeLessThanOrEqual(8);
      const burst = timeline.pcm.subarray(Math.round(s.startSec * 16000), Math.round(s.endSec * 16000));
      expect(frequencyOf(burst, 16000)).toBeCloseTo(s.hz, 0);
    });
  });
});
