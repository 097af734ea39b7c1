import { decodeOggOpusBuffer } from '../audio/ogg-opus-decode.js';
import { VoiceEncoder } from '../audio/voice-encoder.js';
import { parseWav } from '../audio/wav.js';
import { AUDIO_SAMPLE_RATE, type Usage } from '../translator/types.js';

/** A finished segment's answer, kept so that a Retry never pays for it again. `speech` is its own Ogg Opus file. */
export interface SegmentAnswer {
  text: string;
  speech?: Buffer | undefined;
  usage?: Usage | undefined;
}

/** Where finished segments are kept, by a key naming the recording, the plan and the segment's bounds. */
export interface SegmentCache {
  get(key: string): Promise<SegmentAnswer | undefined>;
  set(key: string, answer: SegmentAnswer): Promise<void>;
}

/** A kept segment: its text, and its speech decoded back to 24 kHz PCM (undefined when speech is needed but missing). */
export async function loadSegment(
  cache: SegmentCache, key: string, needsSpeech: boolean,
): Promise<{ text: string; speech: Int16Array | undefined } | undefined> {
  const hit = await cache.get(key).catch(() => undefined);
  if (!hit || (needsSpeech && !hit.speech)) return undefined;
  const speech = needsSpeech && hit.speech
    ? parseWav(decodeOggOpusBuffer(hit.speech, { sampleRate: AUDIO_SAMPLE_RATE }).wav).samples
    : undefined;
  return { text: hit.text, speech };
}

/** Keeps a finished segment, its speech (24 kHz PCM) as a small Ogg Opus file of its own; a failed write is only lost work. */
export async function saveSegment(cache: SegmentCache, key: string, text: string, speech: Int16Array[], usage: Usage | undefined): Promise<void> {
  let ogg: Buffer | undefined;
  if (speech.some((c) => c.length > 0)) {
    const encoder = new VoiceEncoder({ sampleRate: AUDIO_SAMPLE_RATE });
    for (const chunk of speech) encoder.write(chunk);
    ogg = (await encoder.finish()).ogg;
  }
  await cache.set(key, { text, speech: ogg, usage }).catch(() => undefined);
}
