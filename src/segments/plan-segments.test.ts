import { describe, expect, it } from 'vitest';

import { knownPauses, speechTimeline, toneTimeline } from '../../test/support/long-recording.js';
import { findPauses, type Pause } from './pauses.js';
import { planSegments, SPEECH_SEGMENTS, splitSegment, TEXT_SEGMENTS, type Segment, type SegmentLimits } from './plan-segments.js';

const middle = (p: Pause) => (p.startSec + p.endSec) / 2;
const length = (s: { startSec: number; endSec: number }) => s.endSec - s.startSec;
const inside = (t: number, pauses: Pause[]) => pauses.some((p) => p.startSec < t && t < p.endSec);
const ends = (plan: Segment[]) => plan.map((s) => Math.round(s.endSec * 1e6) / 1e6);

/** Consecutive, in order, indexed 0..n-1, from 0 to exactly durationSec. */
function expectCovers(plan: Segment[], durationSec: number): void {
  expect(plan.length).toBeGreaterThan(0);
  expect(plan[0]?.startSec).toBe(0);
  expect(plan[plan.length - 1]?.endSec).toBe(durationSec);
  plan.forEach((s, i) => {
    expect(s.index).toBe(i);
    expect(s.endSec).toBeGreaterThanOrEqual(s.startSec);
    if (i > 0) expect(s.startSec).toBe(plan[i - 1]?.endSec);
  });
}

/**
 * Checks every cut against the rule, from the pauses as given (sorted, disjoint): each cut but the last is the middle
 * of the longest pause whose middle lies in [start + minSec, start + maxSec], or start + maxSec when there is none. The
 * last cut obeys the same rule unless that would leave a last segment under minSec / 2: then it is the middle of a
 * pause in the middle third of what remained, or of the rule's pause, or the middle of the remainder.
 * Returns how many cuts were forced (inside no pause).
 */
function expectRuleFollowed(plan: Segment[], pauses: Pause[], { minSec, maxSec }: SegmentLimits): number {
  let forced = 0;
  plan.slice(0, -1).forEach((s, i) => {
    const cut = s.endSec;
    const candidates = pauses.filter((p) => middle(p) >= s.startSec + minSec && middle(p) <= s.startSec + maxSec);
    const longest = Math.max(...candidates.map(length));
    const ruleCut = candidates.length ? middle(candidates.filter((p) => length(p) > longest - 1e-9).pop() as Pause) : s.startSec + maxSec;
    if (!inside(cut, pauses)) {
      forced++;
      expect(candidates, `forced cut at ${cut} although a pause was in reach`).toEqual([]);
    }
    const durationSec = plan[plan.length - 1]?.endSec as number;
    if (i < plan.length - 2 || durationSec - ruleCut >= minSec / 2) {
      expect(cut, `cut ${i}`).toBeCloseTo(ruleCut, 9);
    } else {
      const remaining = durationSec - s.startSec;
      const balanced = pauses.filter((p) => Math.abs(middle(p) - (s.startSec + remaining / 2)) <= remaining / 6);
      if (balanced.length) expect(balanced.map(middle)).toContain(cut);
      else expect(cut).toBeCloseTo(candidates.length ? ruleCut : s.startSec + remaining / 2, 9);
    }
    expect(length(s)).toBeLessThanOrEqual(maxSec + 1e-9); // cut times are sums of floats
  });
  expect(length(plan[plan.length - 1] as Segment)).toBeLessThanOrEqual(maxSec + 1e-9);
  return forced;
}

/** Pauses of `len` seconds every `every` seconds from `from`, for a synthetic timeline. */
const regularPauses = (from: number, to: number, every: number, len: number): Pause[] =>
  Array.from({ length: Math.floor((to - from) / every) }, (_, k) => ({ startSec: from + k * every, endSec: from + k * every + len }));

describe('planSegments', () => {
  it('keeps a recording no longer than maxSec whole, also at 0 s and a few ms', () => {
    expect(planSegments(150, [], SPEECH_SEGMENTS)).toEqual([{ index: 0, startSec: 0, endSec: 150 }]);
    expect(planSegments(0, [], SPEECH_SEGMENTS)).toEqual([{ index: 0, startSec: 0, endSec: 0 }]);
    expect(planSegments(0.004, [{ startSec: 0, endSec: 1 }], SPEECH_SEGMENTS)).toEqual([{ index: 0, startSec: 0, endSec: 0.004 }]);
    expect(planSegments(420, [{ startSec: 200, endSec: 201 }], TEXT_SEGMENTS)).toHaveLength(1);
  });

  it('cuts in the middle of the longest pause of the window, even when a later one is nearer maxSec', () => {
    const pauses = [
      { startSec: 95, endSec: 95.5 },
      { startSec: 100, endSec: 101.2 }, // the longest in [90, 150]
      { startSec: 140, endSec: 141 },
      { startSec: 160, endSec: 163 }, // longer, but its middle is past 150
      { startSec: 230, endSec: 230.8 },
    ];
    const plan = planSegments(300, pauses, SPEECH_SEGMENTS);
    expect(ends(plan)).toEqual([100.6, 230.4, 300]);
    expectRuleFollowed(plan, pauses, SPEECH_SEGMENTS);
  });

  it('cuts at start + maxSec only where the window has no pause', () => {
    const pauses = [
      { startSec: 120, endSec: 121 },
      { startSec: 300, endSec: 301 }, // past 120.5 + 150
    ];
    const plan = planSegments(400, pauses, SPEECH_SEGMENTS);
    expect(ends(plan)).toEqual([120.5, 270.5, 400]);
    expect(expectRuleFollowed(plan, pauses, SPEECH_SEGMENTS)).toBe(1);
  });

  it('with no pauses at all cuts every maxSec, and balances a tail under minSec / 2 at the middle of the remainder', () => {
    expect(planSegments(1000, [], SPEECH_SEGMENTS).map(length)).toEqual([150, 150, 150, 150, 150, 150, 100]);
    expect(planSegments(910, [], SPEECH_SEGMENTS).map(length)).toEqual([150, 150, 150, 150, 150, 80, 80]);
  });

  it('balances the last two at a pause near their middle rather than leave a tiny last segment', () => {
    const pauses = [
      { startSec: 79.8, endSec: 80.2 },
      { startSec: 94.8, endSec: 95.2 }, // as long, further from the middle (80)
      { startSec: 144, endSec: 146 }, // the rule's choice, which would leave a 15 s tail
    ];
    const plan = planSegments(160, pauses, SPEECH_SEGMENTS);
    expect(ends(plan)).toEqual([80, 160]);
    expectRuleFollowed(plan, pauses, SPEECH_SEGMENTS);
    expect(ends(planSegments(160, pauses.slice(1), SPEECH_SEGMENTS))).toEqual([95, 160]);
    // No pause in the middle third: still cut in a pause, the rule's.
    expect(ends(planSegments(160, pauses.slice(2), SPEECH_SEGMENTS))).toEqual([145, 160]);
  });

  it('with pauses everywhere makes segments near maxSec (the later of equal pauses)', () => {
    const pauses = regularPauses(0.5, 3600, 1, 0.4);
    const plan = planSegments(3600, pauses, SPEECH_SEGMENTS);
    expectCovers(plan, 3600);
    expect(expectRuleFollowed(plan, pauses, SPEECH_SEGMENTS)).toBe(0);
    for (const s of plan.slice(0, -2)) expect(length(s)).toBeGreaterThan(149);
  });

  it('reads pauses in any order, overlapping or past the end, as their sorted union within the recording', () => {
    const clean = [
      { startSec: 50, endSec: 51 },
      { startSec: 120, endSec: 123 },
      { startSec: 240, endSec: 241 },
      { startSec: 395, endSec: 400 },
    ];
    const messy = [
      { startSec: 395, endSec: 450 },
      { startSec: 240, endSec: 240.6 },
      { startSec: 121, endSec: 123 },
      { startSec: 500, endSec: 510 },
      { startSec: 120, endSec: 122 },
      { startSec: 240.5, endSec: 241 },
      { startSec: 50, endSec: 51 },
      { startSec: 70, endSec: 70 },
      { startSec: Number.NaN, endSec: 3 },
    ];
    expect(planSegments(400, messy, SPEECH_SEGMENTS)).toEqual(planSegments(400, clean, SPEECH_SEGMENTS));
    // The last window (330.5–390.5) has no pause and 390.5 would leave 9.5 s: the remainder is halved.
    expect(ends(planSegments(400, clean, SPEECH_SEGMENTS))).toEqual([121.5, 240.5, 320.25, 400]);
  });

  it('refuses a negative or non-finite duration and limits that are not 0 < minSec <= maxSec', () => {
    expect(() => planSegments(-1, [], SPEECH_SEGMENTS)).toThrow(RangeError);
    expect(() => planSegments(Number.NaN, [], SPEECH_SEGMENTS)).toThrow(RangeError);
    expect(() => planSegments(Infinity, [], SPEECH_SEGMENTS)).toThrow(RangeError);
    expect(() => planSegments(100, [], { minSec: 0, maxSec: 10 })).toThrow(RangeError);
    expect(() => planSegments(100, [], { minSec: 20, maxSec: 10 })).toThrow(RangeError);
  });

  it('cuts an 11-minute speech timeline into 5–7 segments, every cut in a gap between sentences', () => {
    const timeline = speechTimeline({ durationSec: 660 });
    const pauses = findPauses(timeline.pcm, timeline.sampleRate);
    const plan = planSegments(timeline.durationSec, pauses, SPEECH_SEGMENTS);
    expectCovers(plan, 660);
    expect(plan.length).toBeGreaterThanOrEqual(5);
    expect(plan.length).toBeLessThanOrEqual(7);
    expect(expectRuleFollowed(plan, pauses, SPEECH_SEGMENTS)).toBe(0);
    const gaps = knownPauses(timeline);
    for (const s of plan.slice(0, -1)) expect(inside(s.endSec, gaps), `cut at ${s.endSec}`).toBe(true);
    for (const s of plan.slice(0, -2)) expect(length(s)).toBeGreaterThanOrEqual(SPEECH_SEGMENTS.minSec);
    // Text-only segments are longer: 2 or 3 of them.
    expect(planSegments(660, pauses, TEXT_SEGMENTS).length).toBeGreaterThanOrEqual(2);
    expect(planSegments(660, pauses, TEXT_SEGMENTS).length).toBeLessThanOrEqual(3);
  });

  it('cuts a 60-minute timeline of tone bursts only between bursts, each burst in exactly one segment', () => {
    const timeline = toneTimeline({ durationSec: 3600, noiseDbfs: -45 });
    const pauses = findPauses(timeline.pcm, timeline.sampleRate);
    for (const limits of [SPEECH_SEGMENTS, TEXT_SEGMENTS]) {
      const plan = planSegments(3600, pauses, limits);
      expectCovers(plan, 3600);
      expect(expectRuleFollowed(plan, pauses, limits)).toBe(0);
      expect(plan.length).toBeGreaterThanOrEqual(Math.ceil(3600 / limits.maxSec));
      expect(plan.length).toBeLessThanOrEqual(Math.ceil(3600 / limits.minSec));
      for (const burst of timeline.sentences) {
        expect(plan.filter((s) => s.startSec < burst.endSec && burst.startSec < s.endSec), burst.text).toHaveLength(1);
      }
    }
  });
});

describe('splitSegment', () => {
  const segment = { index: 4, startSec: 300, endSec: 440 }; // middle half: 335–405

  it('splits at the longest pause whose middle is in the middle half, over a longer one outside it', () => {
    const pauses = [
      { startSec: 299, endSec: 301 }, // the pause the segment was cut in (middle on its start)
      { startSec: 310, endSec: 313 }, // longest inside, but in the first quarter
      { startSec: 340, endSec: 340.5 },
      { startSec: 380, endSec: 381.2 },
      { startSec: 439.6, endSec: 440.4 },
    ];
    const [a, b] = splitSegment(segment, pauses);
    expect(a.endSec).toBeCloseTo(380.6, 9);
    expect([a.index, a.startSec, b.index, b.startSec, b.endSec]).toEqual([4, 300, 4, a.endSec, 440]);
  });

  it('falls back to the longest pause anywhere inside, never one whose middle is a bound, then the exact middle', () => {
    const edges = [
      { startSec: 298, endSec: 302 },
      { startSec: 439, endSec: 441 },
    ];
    const inner = [...edges, { startSec: 310, endSec: 311 }, { startSec: 420, endSec: 421.5 }];
    expect(splitSegment(segment, inner).map((s) => s.endSec)).toEqual([420.75, 440]);
    expect(splitSegment(segment, edges).map((s) => s.endSec)).toEqual([370, 440]);
    expect(splitSegment(segment, []).map((s) => s.endSec)).toEqual([370, 440]);
  });

  it('splits each segment of a real plan at a gap between sentences, the halves covering it exactly', () => {
    const timeline = speechTimeline({ durationSec: 660 });
    const pauses = findPauses(timeline.pcm, timeline.sampleRate);
    const gaps = knownPauses(timeline);
    for (const s of planSegments(660, pauses, SPEECH_SEGMENTS)) {
      const [a, b] = splitSegment(s, pauses);
      expect([a.index, b.index]).toEqual([s.index, s.index]);
      expect([a.startSec, a.endSec, b.endSec]).toEqual([s.startSec, b.startSec, s.endSec]);
      expect(inside(a.endSec, gaps)).toBe(true);
      expect(a.endSec - s.startSec).toBeGreaterThanOrEqual(length(s) / 4);
      expect(s.endSec - a.endSec).toBeGreaterThanOrEqual(length(s) / 4);
    }
  });
});
