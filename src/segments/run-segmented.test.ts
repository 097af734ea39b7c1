import { pino } from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { planTranslation } from '../plan.js';
import { Translator } from '../translator/translator.js';
import { startModelEmulator, type ModelEmulator } from '../../test/emulators/model/index.js';
import { ffmpegDecode, frequencyOf } from '../../test/support/media-fixtures.js';
import { toneTimeline, type Timeline, type TimelineSentence } from '../../test/support/long-recording.js';
import { sentencesIn, sentenceWord } from '../../test/support/segment-answers.js';
import { runSegmented, type SegmentAnswer } from './run-segmented.js';

/**
 * A long recording against the model emulator (which enforces the 4,096-token output cap): an 11-minute timeline of
 * tone "sentences" (each its own frequency, so the emulator can say which sentences a segment holds) with pauses.
 */

type ToneTimeline = Timeline<TimelineSentence & { hz: number }>;

let emu: ModelEmulator;
let translator: Translator;
let timeline: ToneTimeline;
const pcmOf = (t: ToneTimeline) => ({ samples: t.pcm, sampleRate: t.sampleRate });

beforeAll(async () => {
  emu = await startModelEmulator();
  translator = new Translator({ apiKey: 'test-key', baseUrl: emu.baseUrl, model: 'qwen3-livetranslate-flash', maxRetries: 0, streamRetries: 0, logger: pino({ level: 'silent' }) });
  timeline = toneTimeline({ durationSec: 11 * 60, seed: 7 });
}, 60_000);
afterAll(() => emu.close());
beforeEach(() => {
  emu.reset();
  // later segments often answer faster than earlier ones: the order must still be the recording's
  emu.configure({ text: (input) => sentencesIn(input.bytes), chunkDelayMs: { min: 0, max: 25 }, audioSeconds: undefined, fragmentBytes: { min: 16_000, max: 32_000 } });
});

describe('runSegmented: an 11-minute recording', () => {
  it('cuts in pauses, translates every sentence exactly once in order, and makes one voice note of all the speech', async () => {
    const plan = planTranslation({ to: 'en' }, { strict: false });
    const events: string[] = [];
    const segments: { index: number; startSec: number; endSec: number }[] = [];
    let text = '';
    let firstTextBeforeFirstSegment = false;
    const result = await runSegmented(translator, pcmOf(timeline), plan, {
      onText: (d) => {
        if (segments.length === 0 && d.trim()) firstTextBeforeFirstSegment = true;
        text += d;
        events.push('text');
      },
      onSegment: (s) => segments.push(s),
    });
    expect(result.text).toBe(text);
    // every request fit one answer: no `length`, nothing resumed
    expect(result.truncated).toBe(false);
    expect(segments.length).toBeGreaterThanOrEqual(5);
    expect(emu.requests).toHaveLength(segments.length);
    // every cut lies in a pause of the known timeline
    for (const s of segments.slice(1)) {
      const inside = timeline.sentences.find((x) => s.startSec > x.startSec && s.startSec < x.endSec);
      expect(inside).toBeUndefined();
    }
    // every sentence exactly once, in recording order
    const said = text.match(/S\d+\./g) ?? [];
    expect(said).toEqual(timeline.sentences.map(sentenceWord));
    expect(firstTextBeforeFirstSegment).toBe(true);
    // one voice note: the segments' speech (each as long as its segment, the emulator's rule) plus a 0.4 s gap at each cut
    const note = result.voiceNote!;
    const speech = segments.reduce((sum, s) => sum + (s.endSec - s.startSec), 0) + 0.4 * (segments.length - 1);
    expect(note.durationSecs).toBeCloseTo(speech, 0);
    const decoded = ffmpegDecode(note.ogg, 24000);
    expect(decoded.stderr).toBe('');
    expect(decoded.samples.length / 24000).toBeCloseTo(note.durationSecs, 1);
    expect(frequencyOf(decoded.samples.subarray(24000, 48000), 24000)).toBeCloseTo(440, 0);
  }, 120_000);

  it('a segment the output cap cuts is resumed from its last pause before where it got; nothing is lost', async () => {
    const plan = planTranslation({ to: 'en' }, { strict: false });
    emu.inject({ kind: 'length', times: 1 });
    const resumed: boolean[] = [];
    const result = await runSegmented(translator, pcmOf(timeline), plan, { onSegment: (s) => resumed.push(s.resumed) });
    expect(resumed).toContain(true);
    expect(result.truncated).toBe(false);
    const said = new Set(result.text.match(/S\d+\./g));
    for (const x of timeline.sentences) expect(said.has(sentenceWord(x))).toBe(true);
  }, 120_000);

  it('a provider failure mid-recording ends everything in flight and is thrown, keeping the text given so far', async () => {
    const plan = planTranslation({ to: 'en', textOnly: true }, { strict: false });
    emu.inject({ kind: 'status', status: 500, times: 20 });
    let text = '';
    await expect(runSegmented(translator, pcmOf(timeline), plan, { onText: (d) => (text += d) })).rejects.toMatchObject({ code: 'PROVIDER_UNAVAILABLE' });
    expect(emu.requests.length).toBeLessThanOrEqual(3);
    void text;
  });
});

describe('runSegmented: Retry resumes', () => {
  it('after a failure in the third segment, a Retry sends only the segments that had not finished', async () => {
    const plan = planTranslation({ to: 'en' }, { strict: false });
    const kept = new Map<string, SegmentAnswer>();
    const cache = { store: { get: async (k: string) => kept.get(k), set: async (k: string, a: SegmentAnswer) => void kept.set(k, a) }, key: 'recording-1' };
    emu.inject({ kind: 'status', status: 500, after: 2 });
    await expect(runSegmented(translator, pcmOf(timeline), plan, {}, undefined, { cache })).rejects.toMatchObject({ code: 'PROVIDER_UNAVAILABLE' });
    const firstTry = emu.requests.length;
    expect(firstTry).toBe(3); // three in flight: two finished (and were kept), the third failed, no fourth started
    expect(kept.size).toBe(2);
    const segments: number[] = [];
    const result = await runSegmented(translator, pcmOf(timeline), plan, { onSegment: (s) => segments.push(s.index) }, undefined, { cache });
    expect(result.reusedSegments).toBe(2);
    expect(emu.requests.length - firstTry).toBe(segments.length - 2);
    expect((result.text.match(/S\d+\./g) ?? [])).toEqual(timeline.sentences.map(sentenceWord));
    expect(result.voiceNote!.durationSecs).toBeCloseTo(timeline.durationSec + 0.4 * (segments.length - 1), 0);
  }, 120_000);
});

describe('runSegmented: speech past the upload limit', () => {
  it('rolls over into numbered parts at cuts, each within the limit, together all the speech', async () => {
    const plan = planTranslation({ to: 'en' }, { strict: false });
    const limit = 1024 * 1024; // 1 MiB here, to exercise the roll-over on 11 minutes at 32 kbit/s (~2.6 MiB)
    const segments: number[] = [];
    const result = await runSegmented(translator, pcmOf(timeline), plan, { onSegment: (s) => segments.push(s.index) }, undefined, { voiceMaxBytes: limit });
    const parts = result.voiceParts!;
    expect(parts.length).toBeGreaterThanOrEqual(3);
    expect(result.voiceNote).toBe(parts[0]);
    for (const p of parts) {
      expect(p.ogg.length).toBeLessThanOrEqual(limit);
      const decoded = ffmpegDecode(p.ogg, 24000);
      expect(decoded.stderr).toBe('');
      expect(decoded.samples.length / 24000).toBeCloseTo(p.durationSecs, 1);
    }
    // every second of speech is in exactly one part; a gap of silence only at cuts inside a part
    const total = parts.reduce((s, p) => s + p.durationSecs, 0);
    expect(total).toBeCloseTo(timeline.durationSec + 0.4 * (segments.length - parts.length), 0);
  }, 120_000);
});
