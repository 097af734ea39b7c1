import type { Pause } from './pauses.js';

/**
 * Where a long recording is cut into segments, each translated by one model request.
 *
 * Contract:
 * - `planSegments(durationSec, pauses, limits)` cuts [0, durationSec] into consecutive segments (no gap, no overlap,
 *   index 0..n-1). A recording no longer than `maxSec` is one segment (also for 0 s). Otherwise each cut goes in the
 *   middle of the longest pause whose middle lies in [start + minSec, start + maxSec] of the current segment (of equal
 *   ones, the later); a stretch with no pause there is cut at start + maxSec, inside speech. When a cut would leave a
 *   last segment shorter than half of minSec, the remainder is instead cut in two near its middle: at the longest
 *   pause whose middle lies in its middle third (so both parts are at least a third of it), else at the first choice
 *   when that was a pause, else (no pause anywhere in reach) at the exact middle.
 * - `splitSegment(segment, pauses)` splits a segment at the longest pause whose middle lies in its middle half, else
 *   the longest whose middle lies strictly inside it (of equal ones, the nearer the middle), else the exact middle. The
 *   pauses a segment was cut in have their middle on its bounds, so they are never chosen. Both halves keep `index`.
 * - Pauses may come in any order, overlap or reach past the recording: they are clipped to it, sorted and merged.
 *
 * Segment lengths: the model ends every answer at 4,096 output tokens. Speech output costs 12.5 tokens a second plus
 * the text (measured: 11 minutes of source gave 248 s of speech and a third of the text, about 4.5 text tokens per
 * second of source), so 150 s of source needs about 150 × (12.5 + 5) ≈ 2,600 tokens: 90–150 s leaves a third of the
 * answer as margin for fast speakers and verbose target languages. Text-only answers cost only the text, about 3–6
 * tokens per second of source, so 420 s needs about 1,300–2,500 tokens, with room for denser scripts and fast
 * speech; longer segments would only delay the first text of each and make a split-and-retry costlier.
 */
export interface Segment {
  index: number;
  startSec: number;
  endSec: number;
}

export interface SegmentLimits {
  minSec: number;
  maxSec: number;
}

export const SPEECH_SEGMENTS: SegmentLimits = Object.freeze({ minSec: 90, maxSec: 150 });
export const TEXT_SEGMENTS: SegmentLimits = Object.freeze({ minSec: 240, maxSec: 420 });

/**
 * `limits` with `maxSec` lowered to `longestSec` when a segment may not be longer (a video's segments: see
 * `maxVideoSegmentSecs`, the longest that fits the model's input limit with its frames), `minSec` with it to keep
 * the same ratio. Unchanged when `longestSec` is not shorter.
 */
export function limitsUpTo(limits: SegmentLimits, longestSec: number): SegmentLimits {
  if (!(longestSec < limits.maxSec)) return limits;
  if (!(longestSec > 0)) throw new RangeError(`a segment must be allowed more than 0 s, not ${longestSec}`);
  return { minSec: Math.min(limits.minSec, longestSec * (limits.minSec / limits.maxSec)), maxSec: longestSec };
}

/** A last segment shorter than this fraction of minSec is avoided by balancing the last two. */
const TAIL_FRACTION = 0.5;

export function planSegments(durationSec: number, pauses: readonly Pause[], limits: SegmentLimits): Segment[] {
  if (!Number.isFinite(durationSec) || durationSec < 0) throw new RangeError(`durationSec must be 0 or more, not ${durationSec}`);
  const { minSec, maxSec } = limits;
  if (!(minSec > 0) || !(maxSec >= minSec) || !Number.isFinite(maxSec)) {
    throw new RangeError(`segment limits must satisfy 0 < minSec <= maxSec, not ${minSec}..${maxSec}`);
  }
  const clean = normalizePauses(pauses, 0, durationSec);
  const cuts: number[] = [];
  let start = 0;
  while (durationSec - start > maxSec) {
    const chosen = longestIn(clean, start + minSec, start + maxSec);
    let cut = chosen ? middle(chosen) : start + maxSec;
    if (durationSec - cut < TAIL_FRACTION * minSec) {
      const remaining = durationSec - start;
      const balanced = longestIn(clean, start + remaining / 3, start + (2 * remaining) / 3, start + remaining / 2);
      if (balanced) cut = middle(balanced);
      else if (!chosen) cut = start + remaining / 2;
    }
    cuts.push(cut);
    start = cut;
  }
  const bounds = [0, ...cuts, durationSec];
  return bounds.slice(1).map((endSec, index) => ({ index, startSec: bounds[index] ?? 0, endSec }));
}

export function splitSegment(segment: Segment, pauses: readonly Pause[]): [Segment, Segment] {
  const { index, startSec, endSec } = segment;
  const length = endSec - startSec;
  if (!(length >= 0)) throw new RangeError(`segment ${index} ends before it starts (${startSec}..${endSec})`);
  const clean = normalizePauses(pauses, -Infinity, Infinity);
  const centre = startSec + length / 2;
  const inner = (p: Pause) => middle(p) > startSec && middle(p) < endSec;
  const chosen =
    longestIn(clean, startSec + length / 4, endSec - length / 4, centre) ??
    longestIn(clean.filter(inner), startSec, endSec, centre);
  const cut = chosen ? middle(chosen) : centre;
  return [
    { index, startSec, endSec: cut },
    { index, startSec: cut, endSec },
  ];
}

const middle = (p: Pause) => (p.startSec + p.endSec) / 2;

/** Finite pauses clipped to [from, to], non-empty, sorted by start, overlapping or touching ones merged. */
function normalizePauses(pauses: readonly Pause[], from: number, to: number): Pause[] {
  const clipped = pauses
    .filter((p) => Number.isFinite(p.startSec) && Number.isFinite(p.endSec))
    .map((p) => ({ startSec: Math.max(from, p.startSec), endSec: Math.min(to, p.endSec) }))
    .filter((p) => p.endSec > p.startSec)
    .sort((a, b) => a.startSec - b.startSec);
  const merged: Pause[] = [];
  for (const p of clipped) {
    const last = merged[merged.length - 1];
    if (last && p.startSec <= last.endSec) last.endSec = Math.max(last.endSec, p.endSec);
    else merged.push(p);
  }
  return merged;
}

/**
 * The longest of `sorted` pauses whose middle lies in [lo, hi]; of equal ones the nearer to `prefer` when given,
 * else the later. Undefined when none.
 */
function longestIn(sorted: readonly Pause[], lo: number, hi: number, prefer?: number): Pause | undefined {
  let best: Pause | undefined;
  for (const p of sorted) {
    if (p.startSec > hi) break; // sorted by start, so every later middle is past hi too
    const m = middle(p);
    if (m < lo || m > hi) continue;
    if (!best) {
      best = p;
      continue;
    }
    const gain = p.endSec - p.startSec - (best.endSec - best.startSec);
    if (gain > 1e-9) best = p;
    else if (gain >= -1e-9) {
      const closer = prefer === undefined || Math.abs(m - prefer) <= Math.abs(middle(best) - prefer);
      if (closer) best = p;
    }
  }
  return best;
}
