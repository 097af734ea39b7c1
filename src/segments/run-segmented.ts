import { VoiceEncoder, type VoiceNote } from '../audio/voice-encoder.js';
import { encodeWav } from '../audio/wav.js';
import type { PipelineHooks, TranslationResult } from '../pipeline.js';
import type { TranslationPlan } from '../plan.js';
import { AUDIO_SAMPLE_RATE, type TranslatorLike, type Usage } from '../translator/types.js';
import { findPauses, type Pause } from './pauses.js';
import { limitsUpTo, planSegments, SPEECH_SEGMENTS, TEXT_SEGMENTS } from './plan-segments.js';
import type { VideoSegments } from '../media/types.js';
import { loadSegment, saveSegment, type SegmentCache } from './segment-cache.js';
import type { JobMeter } from './job-meter.js';
import { audioTokens } from '../media/tokens.js';

export type { SegmentAnswer, SegmentCache } from './segment-cache.js';

/**
 * Long recordings: one model answer stops at 4,096 output tokens (about 4 minutes of speech with its text), so a
 * longer recording is cut at pauses into segments that each fit one answer with margin, translated a few at a time,
 * and put back together strictly in recording order.
 *
 * - Text: the earliest unfinished segment (the "head") streams live; later segments run ahead and wait, buffered,
 *   until every segment before them is done. What the caller receives through `onText` is exactly the final text.
 * - Speech: every segment's speech goes, in the same order, through ONE streaming Ogg Opus encoder, with
 *   `gapSecs` of silence at each cut: one voice note as long as the parts plus the gaps.
 * - A segment whose answer still ends at the output cap keeps what it said (it is already on screen) and the rest of
 *   it is translated again from the last pause before the point its speech reached (at most `maxResumes` times per
 *   segment); only then is the result reported as truncated, naming where.
 * - Any other failure starts no further segment; those already in flight finish, then every segment the model
 *   answered is kept (`cache`: a Retry does not pay for them again) and the failure is thrown. A cancel or shutdown
 *   keeps what was finished too. Text already delivered stays delivered.
 */

/** Mono PCM of the whole recording (decoded once: see `PreparedMedia.pcm`). */
export interface RecordingPcm {
  samples: Int16Array;
  sampleRate: number;
}

export interface SegmentInfo {
  index: number;
  count: number;
  startSec: number;
  endSec: number;
}

export interface SegmentHooks extends PipelineHooks {
  /** The segment now streaming (the head) changed, or the count grew: "segment 3 of 24, 12:30 / 58:10". */
  onProgress?(progress: { index: number; count: number; positionSec: number; durationSec: number }): void;
  /** A segment's answer is complete (in recording order), with its text: `--json` segment events, `.txt` markers. */
  onSegment?(segment: SegmentInfo & { text: string; resumed: boolean }): void;
}

export interface SegmentedOptions {
  /**
   * When a try fails, is cancelled or is stopped by a shutdown, its finished segments are stored here under
   * `${key}:${start}-${end}` and the next try reuses them: a Retry resumes at the first unfinished segment (the cut
   * points are the same for the same audio).
   */
  cache?: { store: SegmentCache; key: string } | undefined;
  /**
   * Store each segment in `cache` as soon as it is answered, not only when the try fails: a worker of the shared job
   * queue can die without a chance to save anything, and the worker that takes its job over resumes after the last
   * stored segment. Costs one extra Opus encoding of each segment's speech.
   */
  checkpoint?: boolean;
  /** Segments in flight at once (default 3). */
  concurrency?: number;
  /** Silence between two segments' speech in the voice note, seconds (default 0.4). */
  gapSecs?: number;
  /** Opus bit rate of the voice note (lower it to fit an upload limit; default 32 kbit/s). */
  voiceBitrate?: number;
  /**
   * The largest voice note a platform takes: when the next segment's speech might not fit, the speech goes on in a
   * new note from that cut, so every part fits. Undefined: always one note.
   */
  voiceMaxBytes?: number | undefined;
  /** Times one segment may be resumed after the output cap cut it (default 2). */
  maxResumes?: number;
  /**
   * A long video: each segment (and each resumed rest) is sent as its own cut of the video, re-encoded small, instead
   * of its sound; `maxSegmentSec` bounds a segment so that its frames and sound fit one request's input limit.
   */
  video?: { segments: VideoSegments; maxSegmentSec: number } | undefined;
  /**
   * The job's shared bounds and cost (job-meter.ts): every segment's text counts against one character cap, and each
   * segment's usage (or, when it fails before reporting any, an estimate of what it answered) is counted as it comes.
   */
  meter?: JobMeter | undefined;
}

interface Task {
  startSec: number;
  endSec: number;
  resumes: number;
  status: 'waiting' | 'running' | 'done';
  text: string[];
  textSent: number;
  pcm: Int16Array[];
  pcmSent: number;
  speechSamples: number;
  resumed: boolean;
  /** The model answered it whole in this try (not reused, not cut): worth keeping if the job fails. */
  answered?: boolean;
  /** Already in the cache (`checkpoint`). */
  stored?: boolean;
  usage?: Usage | undefined;
}

const wavPart = (pcm: RecordingPcm, startSec: number, endSec: number) => {
  const from = Math.round(startSec * pcm.sampleRate);
  const to = Math.min(pcm.samples.length, Math.round(endSec * pcm.sampleRate));
  const wav = encodeWav(pcm.samples.subarray(from, to), pcm.sampleRate);
  return { type: 'input_audio' as const, input_audio: { data: `data:audio/wav;base64,${wav.toString('base64')}`, format: 'wav' } };
};

const addUsage = (a: Usage | undefined, b: Usage): Usage => (a
  ? Object.fromEntries(Object.entries(a).map(([k, v]) => [k, v + (b[k as keyof Usage] ?? 0)])) as unknown as Usage
  : { ...b });

/** Where to resume a segment the output cap cut: the last pause before the point its speech reached (never past it). */
function resumePoint(task: Task, pauses: Pause[], reachedSec: number): number {
  const before = pauses.filter((p) => (p.startSec + p.endSec) / 2 > task.startSec + 1 && (p.startSec + p.endSec) / 2 < reachedSec);
  const last = before.at(-1);
  if (last) return (last.startSec + last.endSec) / 2;
  // no pause in reach: go back a little from where it got to (a word may be repeated, none is lost)
  return Math.max(task.startSec + 1, reachedSec - 2);
}

export async function runSegmented(
  translator: TranslatorLike, pcm: RecordingPcm, plan: TranslationPlan, hooks: SegmentHooks = {},
  signal?: AbortSignal, options: SegmentedOptions = {},
): Promise<TranslationResult> {
  const started = performance.now();
  const durationSec = pcm.samples.length / pcm.sampleRate;
  const pauses = findPauses(pcm.samples, pcm.sampleRate);
  const limits = limitsUpTo(plan.voice ? SPEECH_SEGMENTS : TEXT_SEGMENTS, options.video?.maxSegmentSec ?? Infinity);
  const tasks: Task[] = planSegments(durationSec, pauses, limits).map((s) => ({
    startSec: s.startSec, endSec: s.endSec, resumes: 0, status: 'waiting', text: [], textSent: 0, pcm: [], pcmSent: 0, speechSamples: 0, resumed: false,
  }));
  const concurrency = Math.max(1, options.concurrency ?? 3);
  const { meter } = options;
  /** The job's own bound stopped every segment (its error wins over the cancels it caused). */
  let stopped: Error | undefined;
  const gap = new Int16Array(Math.round((options.gapSecs ?? 0.4) * AUDIO_SAMPLE_RATE));
  const newEncoder = () => (plan.voice ? new VoiceEncoder({ sampleRate: AUDIO_SAMPLE_RATE, bitrate: options.voiceBitrate }) : undefined);
  let encoder = newEncoder();
  /** Finished voice-note parts (only when `voiceMaxBytes` made the speech roll over into a new note). */
  const parts: Promise<VoiceNote>[] = [];
  let partSamples = 0;
  const controller = new AbortController();
  const abortAll = () => controller.abort(signal?.reason);
  signal?.addEventListener('abort', abortAll, { once: true });

  let head = 0;
  let usage: Usage | undefined;
  let firstTextMs: number | undefined;
  let truncatedAt: number | undefined;
  let speechWritten = 0;
  let reused = 0;
  let emitted = '';
  const say = (text: string) => {
    if (!text) return;
    firstTextMs ??= performance.now() - started;
    emitted += text;
    hooks.onText?.(text);
  };
  const segmentsOut: { startSec: number; endSec: number; text: string }[] = [];
  const progress = () => hooks.onProgress?.({ index: head, count: tasks.length, positionSec: tasks[head]?.startSec ?? durationSec, durationSec });

  /**
   * What the next segment's speech will add to a note, judged from this note's bytes per sample so far and the
   * segment's length in the recording (translated speech runs about as long as the source), with a quarter to spare.
   */
  const nextBytes = (enc: VoiceEncoder, next: Task) =>
    (enc.bytesSoFar / Math.max(1, partSamples)) * (next.endSec - next.startSec + 1) * AUDIO_SAMPLE_RATE * 1.25;

  /** Hands the head's new text and speech to the caller and the encoder. */
  const flush = (task: Task) => {
    for (; task.textSent < task.text.length; task.textSent++) say(task.text[task.textSent]!);
    for (; task.pcmSent < task.pcm.length; task.pcmSent++) {
      const chunk = task.pcm[task.pcmSent]!;
      encoder?.write(chunk);
      speechWritten += chunk.length;
      partSamples += chunk.length;
    }
  };

  /** Advances the head past finished segments, in order; each finished one is final from here on. */
  const advance = () => {
    while (tasks[head]?.status === 'done') {
      const t = tasks[head]!;
      flush(t);
      segmentsOut.push({ startSec: t.startSec, endSec: t.endSec, text: t.text.join('') });
      hooks.onSegment?.({ index: head, count: tasks.length, startSec: t.startSec, endSec: t.endSec, text: t.text.join(''), resumed: t.resumed });
      head++;
      const next = tasks[head];
      if (!next) continue;
      // a cut between two segments: a paragraph in the text (a resumed one just goes on), a short silence in the speech
      if (emitted && !/\s$/.test(emitted)) say(next.resumed ? ' ' : '\n\n');
      if (encoder && options.voiceMaxBytes && partSamples > 0 && encoder.bytesSoFar + nextBytes(encoder, next) > options.voiceMaxBytes) {
        // this note is nearly as large as the platform takes: the speech goes on in the next part, from this cut
        parts.push(encoder.finish());
        encoder = newEncoder();
        partSamples = 0;
      } else if (encoder && speechWritten > 0) {
        encoder.write(gap);
      }
      progress();
      flush(next);
    }
  };

  const keyOf = (task: Task) => options.cache && `${options.cache.key}:${task.startSec.toFixed(3)}-${task.endSec.toFixed(3)}`;

  /** A segment finished before (an earlier try of this job): its answer, with no model call. */
  const reuse = async (task: Task): Promise<boolean> => {
    const key = keyOf(task);
    const hit = key ? await loadSegment(options.cache!.store, key, !!plan.voice) : undefined;
    if (!hit) return false;
    task.text.push(hit.text);
    if (hit.speech) {
      task.pcm.push(hit.speech);
      task.speechSamples = hit.speech.length;
    }
    reused++;
    return true;
  };

  /** Keeps a segment the model answered in this try (its text, speech and usage are still in the task). */
  const remember = async (task: Task) => {
    const key = keyOf(task);
    if (key) await saveSegment(options.cache!.store, key, task.text.join(''), plan.voice ? task.pcm : [], task.usage);
  };

  const runTask = async (task: Task): Promise<void> => {
    task.status = 'running';
    if (await reuse(task)) {
      task.status = 'done';
      advance();
      return;
    }
    const input = options.video
      ? await options.video.segments.cut(task.startSec, task.endSec, controller.signal)
      : { part: wavPart(pcm, task.startSec, task.endSec), estimatedInputTokens: undefined };
    const request = {
      part: input.part, target: plan.target.code, source: plan.source?.code, voice: plan.voice?.name,
      estimatedInputTokens: input.estimatedInputTokens,
    };
    const call = meter?.call(input.estimatedInputTokens ?? audioTokens(task.endSec - task.startSec));
    let cut = false;
    for await (const event of translator.translate(request, controller.signal)) {
      hooks.onEvent?.(event);
      if (event.type === 'text') {
        const delta = call ? call.text(event.delta) : event.delta;
        if (delta) task.text.push(delta);
      } else if (event.type === 'audio') {
        call?.audio(event.pcm.length);
        task.pcm.push(event.pcm);
        task.speechSamples += event.pcm.length;
      } else if (event.type === 'usage') {
        usage = addUsage(usage, event.usage);
        task.usage = event.usage;
        call?.reported(event.usage);
      } else if (event.type === 'end') cut = event.truncated;
      if (tasks[head] === task) flush(task);
      if (meter?.exceeded) {
        // the job's text cap: every segment stops now, not only this one
        stopped ??= meter.tooLong();
        controller.abort(stopped);
        throw stopped;
      }
    }
    if (cut) {
      if (task.resumes < (options.maxResumes ?? 2)) {
        // the answer reached about as far into the source as its speech lasted (text only: half the segment)
        const reached = plan.voice ? task.startSec + task.speechSamples / AUDIO_SAMPLE_RATE : (task.startSec + task.endSec) / 2;
        const at = Math.min(resumePoint(task, pauses, reached), task.endSec - 0.5);
        const rest: Task = { ...task, startSec: at, resumes: task.resumes + 1, status: 'waiting', text: [], textSent: 0, pcm: [], pcmSent: 0, speechSamples: 0, resumed: true };
        task.endSec = at;
        tasks.splice(tasks.indexOf(task) + 1, 0, rest);
        progress();
      } else {
        truncatedAt ??= task.startSec;
      }
    } else {
      task.answered = true;
      if (options.checkpoint) {
        await remember(task);
        task.stored = true;
      }
    }
    task.status = 'done';
    advance();
  };

  try {
    await new Promise<void>((resolve, reject) => {
      let running = 0;
      let failure: { err: unknown } | undefined;
      const pump = () => {
        if (failure) {
          if (running === 0) reject(failure.err);
          return;
        }
        if (head >= tasks.length && running === 0) return resolve();
        while (running < concurrency) {
          const next = tasks.find((t) => t.status === 'waiting');
          if (!next) break;
          running++;
          runTask(next).then(() => {
            running--;
            pump();
          }, (err: unknown) => {
            running--;
            // a cancel or a shutdown stops everything; any other failure lets the segments in flight finish first
            if (signal?.aborted) {
              abortAll();
              return reject(err);
            }
            failure ??= { err: stopped ?? err };
            pump();
          });
        }
      };
      progress();
      pump();
    });
  } catch (err) {
    encoder?.abort();
    // the job failed or was stopped: what the model already answered is kept, so a Retry resumes after it (a job
    // that succeeds keeps nothing: encoding every segment's speech a second time would cost it for nothing)
    await Promise.all(tasks.filter((t) => t.status === 'done' && t.answered && !t.stored).map(remember));
    throw err;
  } finally {
    signal?.removeEventListener('abort', abortAll);
  }
  const modelDoneMs = performance.now() - started;
  const last = encoder && partSamples > 0 ? await encoder.finish() : (encoder?.abort(), undefined);
  const voiceParts = [...(await Promise.all(parts)), ...(last ? [last] : [])];
  const voiceNote = voiceParts[0];
  return {
    text: emitted,
    voiceNote,
    usage,
    truncated: truncatedAt !== undefined,
    ...(truncatedAt !== undefined ? { truncatedAtSec: truncatedAt } : {}),
    segments: segmentsOut,
    reusedSegments: reused,
    ...(voiceParts.length > 1 ? { voiceParts } : {}),
    timings: { firstTextMs, modelDoneMs, voiceReadyMs: voiceNote ? performance.now() - started : undefined },
  };
}
