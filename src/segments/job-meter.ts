import { TranslateError } from '../errors.js';
import { AUDIO_TOKENS_PER_SECOND } from '../media/tokens.js';
import { AUDIO_SAMPLE_RATE, type Usage } from '../translator/types.js';

/**
 * One job's bounds and what it has cost so far, shared by every model call of the job (a long recording's segments
 * and their resumes alike). The translator bounds each call on its own (20,000 characters, 10 minutes); this bounds
 * the job, so that a recording cut into N segments cannot run N × 10 minutes or write N × 20,000 characters:
 *
 * - `maxOutputChars`: text the whole job may yield; past it the text is cut at exactly this many and OUTPUT_TOO_LONG
 *   is thrown (`jobBoundsFor`: 3,000 characters a minute of recording, at least 20,000 — speech is about 900).
 * - `deadlineMs`: wall-clock time of the whole job; past it every call is aborted and MODEL_DEADLINE is thrown
 *   (`jobBoundsFor`: 10 minutes plus the recording's own length).
 *
 * Cost: a call that reported its usage costs that. A call that started answering (yielded text or speech) and then
 * failed or was cancelled reported nothing (the service sends usage only with its last chunk), yet the service bills
 * it: it is charged an estimate — its input's estimate plus its output so far at 1 token per 2 characters of text
 * (Chinese runs about 1 a character, English 1 per 4) and 12.5 tokens per second of speech. A call that never
 * answered costs nothing (the service refused it before any output).
 */
export interface JobBounds {
  maxOutputChars: number;
  deadlineMs: number;
}

/** The job's bounds for a recording of `seconds` (see `JobMeter`). */
export function jobBoundsFor(seconds: number | undefined): JobBounds {
  const s = seconds ?? 0;
  return { maxOutputChars: Math.max(20_000, Math.ceil(s / 60) * 3_000), deadlineMs: 10 * 60_000 + Math.ceil(s) * 1000 };
}

const ZERO: Usage = {
  inputTokens: 0, outputTokens: 0, totalTokens: 0, inputAudioTokens: 0, inputVideoTokens: 0,
  inputTextTokens: 0, outputAudioTokens: 0, outputTextTokens: 0,
};

const add = (a: Usage, b: Usage): Usage => {
  const out = { ...a };
  for (const k of Object.keys(ZERO) as (keyof Usage)[]) out[k] = a[k] + b[k];
  return out;
};

/** One model call of a job: what it has yielded and whether it reported its usage. */
export class CallMeter {
  chars = 0;
  speechSamples = 0;
  usage: Usage | undefined;
  constructor(private readonly job: JobMeter, readonly inputTokens: number) {}

  /** The part of `delta` the job still allows (all of it, or its start); `job.exceeded` tells when it was cut. */
  text(delta: string): string {
    const allowed = this.job.allowText(delta);
    this.chars += allowed.length;
    return allowed;
  }

  audio(samples: number): void {
    this.speechSamples += samples;
  }

  reported(usage: Usage): void {
    this.usage = usage;
  }

  get answered(): boolean {
    return this.chars > 0 || this.speechSamples > 0;
  }

  /** What this call costs: its usage, else (it answered) an estimate, else nothing. */
  cost(): Usage | undefined {
    if (this.usage) return this.usage;
    if (!this.answered) return undefined;
    const outputText = Math.ceil(this.chars / 2);
    const outputAudio = Math.ceil((this.speechSamples / AUDIO_SAMPLE_RATE) * AUDIO_TOKENS_PER_SECOND);
    const outputTokens = outputText + outputAudio;
    return {
      ...ZERO, inputTokens: this.inputTokens, inputAudioTokens: this.inputTokens, outputTokens, outputTextTokens: outputText,
      outputAudioTokens: outputAudio, totalTokens: this.inputTokens + outputTokens,
    };
  }
}

export class JobMeter {
  private readonly calls: CallMeter[] = [];
  private chars = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly deadline = new AbortController();
  /** The job's text reached `maxOutputChars`: the caller throws `tooLong()`. */
  exceeded = false;

  constructor(readonly bounds: JobBounds) {}

  /** A new model call of this job, with its input's token estimate (charged if it answers but reports nothing). */
  call(inputTokens: number): CallMeter {
    const c = new CallMeter(this, inputTokens);
    this.calls.push(c);
    return c;
  }

  allowText(delta: string): string {
    const room = this.bounds.maxOutputChars - this.chars;
    if (delta.length > room) this.exceeded = true;
    const allowed = delta.length > room ? delta.slice(0, Math.max(0, room)) : delta;
    this.chars += allowed.length;
    return allowed;
  }

  tooLong(): TranslateError {
    return new TranslateError('OUTPUT_TOO_LONG', `(At most ${this.bounds.maxOutputChars.toLocaleString('en-US')} characters for this recording; the text so far is kept.)`);
  }

  /** Characters of text the job has let through so far. */
  get outputChars(): number {
    return this.chars;
  }

  /** Any call of the job has started answering (so the service bills it). */
  get started(): boolean {
    return this.calls.some((c) => c.answered || c.usage);
  }

  /** The job's cost so far (see the class comment); undefined when no call answered. */
  charge(): Usage | undefined {
    const costs = this.calls.map((c) => c.cost()).filter((u): u is Usage => !!u);
    return costs.length > 0 ? costs.reduce(add, ZERO) : undefined;
  }

  /** Starts the job's deadline: the signal every call of the job runs under (also aborted by `signal`). */
  start(signal: AbortSignal | undefined): AbortSignal {
    this.timer ??= setTimeout(() => this.deadline.abort(new TranslateError('MODEL_DEADLINE')), this.bounds.deadlineMs);
    return signal ? AbortSignal.any([signal, this.deadline.signal]) : this.deadline.signal;
  }

  /** Stops the deadline's timer; maps an error caused by the job's deadline (and not the caller's signal) to MODEL_DEADLINE. */
  end(err?: unknown, signal?: AbortSignal): unknown {
    clearTimeout(this.timer);
    if (err !== undefined && this.deadline.signal.aborted && !signal?.aborted) {
      const minutes = Math.round(this.bounds.deadlineMs / 60_000);
      return new TranslateError('MODEL_DEADLINE', `(At most ${minutes} minutes for this recording; the text so far is kept.)`, { cause: err });
    }
    return err;
  }
}
