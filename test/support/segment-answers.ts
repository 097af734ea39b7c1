import { parseWav } from '../../src/audio/wav.js';
import { frequencyOf } from './audio-tools.js';

/**
 * What the model emulator answers for a segment of a tone timeline (`toneTimeline` in long-recording.ts): `S<k>.`
 * for each tone burst in the segment's WAV, in order, k from the burst's frequency (300 + 10·k Hz). A test can then
 * tell exactly which "sentences" each request held.
 */
export function sentencesIn(bytes: Buffer): string {
  const { samples, sampleRate } = parseWav(bytes);
  const words: string[] = [];
  const frame = sampleRate / 50;
  const loud = (i: number) => {
    let m = 0;
    for (let j = i; j < Math.min(i + frame, samples.length); j++) m = Math.max(m, Math.abs(samples[j]!));
    return m > 1000;
  };
  let runStart = -1;
  for (let i = 0; i <= samples.length; i += frame) {
    const on = i < samples.length && loud(i);
    if (on && runStart < 0) runStart = i;
    if (!on && runStart >= 0) {
      if (i - runStart >= sampleRate / 2) words.push(`S${Math.round((frequencyOf(samples.subarray(runStart + frame, i - frame), sampleRate) - 300) / 10)}.`);
      runStart = -1;
    }
  }
  return words.join(' ');
}

/** The word `sentencesIn` says for a sentence of a tone timeline. */
export const sentenceWord = (s: { hz: number }): string => `S${Math.round((s.hz - 300) / 10)}.`;
