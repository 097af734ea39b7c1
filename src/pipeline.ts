import { VoiceEncoder, type VoiceNote } from './audio/voice-encoder.js';
import type { PreparedMedia } from './media/types.js';
import { audioTokens } from './media/tokens.js';
import { maxVideoSegmentSecs } from './media/video-segments.js';
import type { TranslationPlan } from './plan.js';
import { AUDIO_SAMPLE_RATE, type TranslationEvent, type TranslatorLike, type Usage } from './translator/types.js';
import { SPEECH_SEGMENTS, TEXT_SEGMENTS } from './segments/plan-segments.js';
import { runSegmented, type SegmentedOptions, type SegmentHooks } from './segments/run-segmented.js';
import { JobMeter, jobBoundsFor } from './segments/job-meter.js';

/** What one finished translation produced. */
export interface TranslationResult {
  text: string;
  /** The translated speech as an Ogg Opus voice note; undefined for text-only translations. */
  voiceNote: VoiceNote | undefined;
  usage: Usage | undefined;
  /** The model's output cap cut the translation short; always shown to the user. */
  truncated: boolean;
  /** Where in the recording (seconds) the translation was cut short, for a long recording. */
  truncatedAtSec?: number | undefined;
  /** A long recording's segments in order, with where each starts in the recording (`.txt` markers). */
  segments?: { startSec: number; endSec: number; text: string }[] | undefined;
  /** Segments answered from an earlier try (no model call). */
  reusedSegments?: number | undefined;
  /**
   * The speech in numbered parts, when one note would pass the platform's upload limit (`voiceNote` is then the
   * first part). Undefined: `voiceNote` is all of it.
   */
  voiceParts?: VoiceNote[] | undefined;
  /** ms from the request to the model's first text and to its last chunk. */
  timings: { firstTextMs: number | undefined; modelDoneMs: number; voiceReadyMs: number | undefined };
}

export interface PipelineHooks {
  /** Each text delta as it arrives (a chat reply appends it; the CLI prints it). */
  onText?(delta: string): void;
  /** Every translator event, for logs, `--json` output and metrics. */
  onEvent?(event: TranslationEvent): void;
}

/**
 * Runs one translation: streams the model's text to `onText` as it comes and encodes its speech into a voice note
 * WHILE it streams, so the note is ready moments after the model's last chunk. Throws the translator's
 * TranslateError (text already delivered through `onText` stays delivered: callers keep it on screen).
 */
export async function runTranslation(
  translator: TranslatorLike,
  media: PreparedMedia,
  plan: TranslationPlan,
  hooks: PipelineHooks = {},
  signal?: AbortSignal,
  meter?: JobMeter,
): Promise<TranslationResult> {
  const started = performance.now();
  const call = meter?.call(media.estimatedInputTokens ?? audioTokens(media.source.durationSecs ?? 60));
  const encoder = plan.voice ? new VoiceEncoder({ sampleRate: AUDIO_SAMPLE_RATE }) : undefined;
  let text = '';
  let usage: Usage | undefined;
  let truncated = false;
  let firstTextMs: number | undefined;
  let samples = 0;
  if (!media.part) throw new Error('runTranslation: a long recording goes through runSegmented (media.pcm)');
  // the input (a data URI of up to tens of MB) is not kept while the answer streams: the request is no local of this
  // function, and once the translator no longer needs the input (the answer has started) `media` lets it go too
  const events = translator.translate({
    part: media.part, target: plan.target.code, source: plan.source?.code, voice: plan.voice?.name,
    releaseInput: () => (media.part = undefined),
  }, signal);
  // finished as soon as the model says it is done (its `finish` event), while the usage chunk is still on its way
  let voice: Promise<VoiceNote | undefined> | undefined;
  const finishVoice = (): Promise<VoiceNote | undefined> => {
    if (!voice) {
      if (encoder && samples === 0) encoder.abort();
      voice = encoder && samples > 0 ? encoder.finish() : Promise.resolve(undefined);
      voice.catch(() => undefined); // awaited below; a failure meanwhile is not unhandled
    }
    return voice;
  };
  try {
    for await (const event of events) {
      hooks.onEvent?.(event);
      if (event.type === 'text') {
        const delta = call ? call.text(event.delta) : event.delta;
        firstTextMs ??= performance.now() - started;
        text += delta;
        if (delta) hooks.onText?.(delta);
        if (meter?.exceeded) throw meter.tooLong();
      } else if (event.type === 'audio') {
        call?.audio(event.pcm.length);
        samples += event.pcm.length;
        encoder?.write(event.pcm);
      } else if (event.type === 'finish') {
        void finishVoice();
      } else if (event.type === 'usage') {
        usage = event.usage;
        call?.reported(event.usage);
      } else {
        truncated = event.truncated;
      }
    }
  } catch (err) {
    encoder?.abort();
    throw err;
  }
  const modelDoneMs = performance.now() - started;
  const voiceNote = await finishVoice();
  return {
    text,
    voiceNote,
    usage,
    truncated,
    timings: { firstTextMs, modelDoneMs, voiceReadyMs: voiceNote ? performance.now() - started : undefined },
  };
}

/** The longest recording one answer holds with margin: past it, a recording is cut into segments. */
export function singleAnswerSecs(plan: TranslationPlan): number {
  return (plan.voice ? SPEECH_SEGMENTS : TEXT_SEGMENTS).maxSec;
}

/** The smallest upload limit a voice note must fit (Discord's 10 MiB per file without boosts). */
export const VOICE_NOTE_MAX_BYTES = 10 * 1024 * 1024;

/**
 * The Opus bit rate that keeps a voice note of about `seconds` of speech under `VOICE_NOTE_MAX_BYTES` (with 10%
 * for Ogg framing): 32 kbit/s up to about 40 minutes, down to the encoder's floor of 16 kbit/s (78 minutes).
 */
export function voiceBitrateFor(seconds: number): number {
  const fits = Math.floor((VOICE_NOTE_MAX_BYTES * 8 * 0.9) / Math.max(1, seconds));
  return Math.max(16_000, Math.min(32_000, fits));
}

/**
 * One recording, whole or in segments (see `runSegmented`): what the CLI and the chat jobs call. A long video's
 * segments carry their pictures, each no longer than fits one request with its frames (`maxVideoSegmentSecs`); its
 * spooled file is released when this ends, however it ends. Every model call of the job shares one deadline and one
 * output-character count (`options.meter`, else `jobBoundsFor` the recording's length: see job-meter.ts).
 */
export async function translateMedia(
  translator: TranslatorLike, media: PreparedMedia, plan: TranslationPlan, hooks: SegmentHooks = {},
  signal?: AbortSignal, options: SegmentedOptions = {},
): Promise<TranslationResult> {
  const seconds = media.pcm ? media.pcm.samples.length / media.pcm.sampleRate : media.source.durationSecs;
  const meter = options.meter ?? new JobMeter(jobBoundsFor(seconds));
  const jobSignal = meter.start(signal);
  try {
    if (!media.pcm) return await runTranslation(translator, media, plan, hooks, jobSignal, meter);
    const video = media.video && { segments: media.video, maxSegmentSec: maxVideoSegmentSecs(singleAnswerSecs(plan), media.video.encoded) };
    return await runSegmented(translator, media.pcm, plan, hooks, jobSignal, { voiceBitrate: voiceBitrateFor(seconds ?? 0), video, ...options, meter });
  } catch (err) {
    throw meter.end(err, signal);
  } finally {
    meter.end();
    await media.video?.release();
  }
}
