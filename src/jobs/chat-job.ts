import { asTranslateError, isTranslateError } from '../errors.js';
import { flagEmoji, type Language } from '../languages.js';
import type { PreparedMedia } from '../media/types.js';
import type { TranslationResult } from '../pipeline.js';
import { NOTICES } from './notices.js';
import { obtainResult } from './obtain-result.js';
import { planTranslation, type TranslationPlan } from '../plan.js';
import { ReplyStream } from '../reply/reply-stream.js';
import { systemClock } from '../clock.js';
import { AUDIO_SAMPLE_RATE } from '../translator/types.js';
import { QueuePlaceShown } from './queue-place.js';
import {
  LONG_TEXT_CHARS, MAX_REPLY_MESSAGES, type ChatJobDeps, type ChatJobOutcome, type ChatJobRequest, type ChatSurface, type ReplyHeader, type SpeechFeed,
} from './types.js';

const named = (l: Language) => `${l.countries[0] ? `${flagEmoji(l.countries[0])} ` : ''}${l.name}`;

function headerFor(plan: TranslationPlan, media: PreparedMedia | undefined, fileName?: string): ReplyHeader {
  return {
    languages: `${plan.source ? named(plan.source) : 'auto-detected'} → ${named(plan.target)}`,
    voice: plan.voice?.name,
    fileName,
    notices: [...plan.notices, ...(media?.notices ?? [])],
    targetName: plan.target.name,
  };
}

/** `12:30`, or `1:02:05` past an hour. */
const clock = (secs: number) => {
  const s = Math.floor(secs);
  const hms = [Math.floor(s / 3600), Math.floor((s % 3600) / 60), s % 60];
  return hms[0] ? `${hms[0]}:${String(hms[1]).padStart(2, '0')}:${String(hms[2]).padStart(2, '0')}` : `${hms[1]}:${String(hms[2]).padStart(2, '0')}`;
};

/** The whole translation as a file: a long recording's segments each start with `[hh:mm:ss]` (where it is in the recording). */
function textFile(result: TranslationResult): string {
  if (!result.segments) return result.text;
  const stamp = (secs: number) => new Date(Math.floor(secs) * 1000).toISOString().slice(11, 19);
  return result.segments.map((s) => `[${stamp(s.startSec)}] ${s.text.trim()}`).join('\n\n') + '\n';
}

const ordinal = (n: number) => `${n}${n % 10 === 1 && n % 100 !== 11 ? 'st' : n % 10 === 2 && n % 100 !== 12 ? 'nd' : n % 10 === 3 && n % 100 !== 13 ? 'rd' : 'th'}`;

/** The line under a finished translation: its length and what it cost (nothing, when it came from the cache). */
function footerFor(result: TranslationResult, from: 'model' | 'cache' | 'shared' = 'model'): string {
  const parts = [`${result.text.length.toLocaleString('en-US')} characters`];
  if (from === 'cache') parts.push('from the cache, no new cost');
  else if (from === 'shared') parts.push('shared with an identical request');
  else if (result.usage) parts.push(`${result.usage.totalTokens.toLocaleString('en-US')} tokens`);
  if (result.voiceNote) parts.push(`${result.voiceNote.durationSecs.toFixed(1)} s of speech`);
  if (result.segments) parts.push(`${result.segments.length} segments`);
  if (result.reusedSegments) parts.push(`${result.reusedSegments} from the earlier try, no new cost`);
  if (result.truncatedAtSec !== undefined) parts.push(`cut short at ${clock(result.truncatedAtSec)} of the recording`);
  return parts.join(' · ');
}

/**
 * Runs one chat translation end to end on a surface (see `ChatSurface`). Never throws: every failure ends the reply
 * with its user-facing message (keeping the text already shown), and the outcome says what happened.
 *
 * The order users see: the reply's first message (header, "translating…") at once; the text growing in it; then,
 * when the model ends, the final view (whole text, footer) and what follows the reply (`translation.txt`, the voice
 * note or its parts, in that order) go out together: those wait only until the final view is on its way
 * (`ReplyStream.finalSent`: sent as an edit of messages already on screen), not for its round trip, the per-reply
 * interval or anything after it. So the voice note never shows before the reply's first message it answers to, and
 * never while the text is incomplete and not yet sent; the final edit, a few hundred bytes, lands as the voice note's
 * upload does (a user may see both appear at the same moment).
 */
export async function runChatJob<M>(
  spec: Pick<ChatJobRequest, 'source' | 'fileName' | 'ask' | 'fileKey' | 'scope'> & { id: string }, surface: ChatSurface<M>, deps: ChatJobDeps, signal: AbortSignal,
): Promise<ChatJobOutcome> {
  const log = deps.logger.child({ jobId: spec.id });
  const time = deps.clock ?? systemClock;
  const stream = new ReplyStream<M>({
    surface, budget: deps.budget, logger: log, eagerFirstText: true, maxParts: MAX_REPLY_MESSAGES,
    ...(deps.clock ? { clock: deps.clock } : {}),
    ...(deps.minIntervalMs !== undefined ? { minIntervalMs: deps.minIntervalMs } : {}),
  });
  // The request is understood before the first post, so the reply shows languages and voice from its first
  // moment (Slack's native streams cannot rewrite what they showed).
  let plan: TranslationPlan | undefined;
  let planError: unknown;
  try {
    plan = planTranslation(spec.ask, { strict: false });
    surface.setHeader(headerFor(plan, undefined, spec.fileName));
  } catch (err) {
    planError = err;
  }
  await stream.start().catch((err: unknown) => log.warn({ err }, 'first reply post failed; will retry with the next write'));
  let result: TranslationResult;
  let from: 'model' | 'cache' | 'shared';
  // the speech as it streams, for a surface that encodes it meanwhile (Slack's MP3): opened with its first chunk
  let speech: SpeechFeed | undefined;
  let speechOpen = false;
  let places: QueuePlaceShown | undefined;
  try {
    if (!plan) throw planError;
    // what it is doing now, shown with the in-progress marker (never part of the header a native stream keeps)
    let progress: string | undefined;
    const header = (media?: PreparedMedia) => {
      const h = headerFor(plan!, media, spec.fileName);
      if (progress) h.progress = progress;
      surface.setHeader(h);
    };
    let media: PreparedMedia | undefined;
    // the place in the model queue: first at once, then only moves of a step at most every 5 s, at low priority
    places = new QueuePlaceShown((place, rewrite) => {
      progress = place ? `Waiting for the translator: ${ordinal(place)} in line` : undefined;
      header(media);
      if (rewrite) stream.refresh();
    }, time);
    const obtained = await obtainResult(
      { source: spec.source, fileKey: spec.fileKey, plan, scope: spec.scope },
      deps.translator, deps.intake, deps.services ?? {},
      {
        onMedia: (m) => {
          media = m;
          header(m);
          log.info({ target: plan!.target.code, source: plan!.source?.code, media: m.sent }, 'translating');
        },
        onText: (d) => stream.append(d),
        onProgress: (p) => {
          progress = `Segment ${Math.min(p.index + 1, p.count)} of ${p.count} · ${clock(p.positionSec)} / ${clock(p.durationSec)}`;
          header(media);
          stream.refresh();
        },
        onQueued: (position) => places!.update(position),
        onAudio: (pcm) => {
          // one answer only (a long recording's speech comes as separately encoded segments; `media.part` may already
          // be released once the request is sent, so that is not the test)
          if (!speechOpen && surface.openSpeech && media && !media.pcm) speech = surface.openSpeech(AUDIO_SAMPLE_RATE);
          speechOpen = true;
          speech?.write(pcm);
        },
        onAudioEnd: () => speech?.end(),
      },
      log, signal,
    );
    result = obtained.result;
    from = obtained.from;
    speech?.end();
  } catch (err) {
    speech?.abort();
    // an abort with a reason of its own (a shutdown's INTERRUPTED, a reply about to expire) is shown as that reason,
    // not as a user's cancel
    const reason = signal.aborted && isTranslateError(signal.reason) ? signal.reason : undefined;
    const error = reason && reason.code !== 'CANCELLED' ? reason : asTranslateError(err);
    const cancelled = error.code === 'CANCELLED' || (signal.aborted && !reason);
    places?.stop();
    log.info({ code: error.code, cause: error.cause }, cancelled ? 'cancelled' : 'failed');
    // handed to another worker of the shared queue: the reply stays as it is and that worker finishes it
    if (error.code === 'HANDED_BACK') return { status: 'failed', code: error.code, retryable: true };
    await stream
      .end(cancelled ? { status: 'cancelled' } : { status: 'failed', error })
      .catch((e: unknown) => log.error({ err: e }, 'could not show the failure'));
    return cancelled ? { status: 'cancelled' } : { status: 'failed', code: error.code, retryable: error.retryable };
  }
  places.stop();
  const ended = stream
    .end({ status: 'done', truncated: result.truncated, footer: footerFor(result, from) })
    .catch((e: unknown) => log.error({ err: e }, 'could not show the finished translation'));
  // what follows the reply goes out as soon as its final view is on its way, in parallel with that edit
  const after = stream.finalSent().then(async () => {
    if (result.text.length > LONG_TEXT_CHARS || result.segments || stream.overflowed) {
      await surface.postTextFile('translation.txt', textFile(result)).catch((e: unknown) => log.error({ err: e }, 'could not attach the text file'));
    }
    const notes = result.voiceParts ?? (result.voiceNote ? [result.voiceNote] : []);
    if (notes.length === 0) return 'none' as const;
    try {
      // a long recording's speech may come in numbered parts (each within the platform's upload limit), in order
      if (notes.length > 1) await surface.postNotice(`🔊 The translated speech follows in ${notes.length} parts.`);
      for (const note of notes) await surface.postVoiceNote(note);
      return 'posted' as const;
    } catch (err) {
      log.error({ err }, 'could not post the voice note');
      await surface.postNotice(NOTICES.speechNotPosted).catch(() => undefined);
      return 'failed' as const;
    }
  });
  const [, voice] = await Promise.all([ended, after.finally(() => speech?.abort())]);
  log.info({ usage: result.usage, timings: result.timings, voice }, 'done');
  return { status: 'done', text: result.text, usage: result.usage, truncated: result.truncated, voice, from };
}
