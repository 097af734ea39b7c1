import type { webApi } from '@slack/bolt';
import { voiceNoteToMp3 } from '../../src/audio/mp3.js';
import { StreamingMp3 } from '../../src/audio/mp3-stream.js';
import type { VoiceNote } from '../../src/audio/voice-encoder.js';
import type { ChatSurface, ReplyHeader, SpeechFeed } from '../../src/jobs/types.js';
import { EditBudgets, type EditBudgetLimits } from '../../src/reply/edit-budget.js';
import type { ReplyView, WritePriority } from '../../src/reply/types.js';
import { layoutReply } from '../../src/reply/layout.js';
import { actionsBlock, bodyText, endingText, escapeMarkdownText, renderMessage, TEXT_LIMIT } from './render.js';

/** Where a Slack reply lives: a channel (or DM), in the thread of `threadTs` when given, for `userId`. */
export interface SlackPlace {
  teamId: string;
  channelId: string;
  /** The message whose thread the reply goes into; undefined = a top-level message (then its own thread). */
  threadTs: string | undefined;
  userId: string;
}

/**
 * chat.startStream and chat.stopStream are Tier 2 (20+ per minute per workspace, each method on its own), well below
 * chat.update's 50 and appendStream's 100: each has a budget of its own per workspace (this process's window).
 */
export const STREAM_METHOD_LIMITS: EditBudgetLimits = { writes: 20, perMs: 60_000 };

/**
 * A reply waits this long at most for a chat.startStream (its budget, or a 429's Retry-After) before it posts and
 * edits instead (this reply only: the workspace keeps streaming). Its first message should not wait a minute.
 */
export const STREAM_START_MAX_WAIT_MS = 5_000;

/** A chat.stopStream refused with 429 is tried again after its Retry-After, this many times. */
const STOP_TRIES = 5;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** The Web API's 429 (with `rejectRateLimitedCalls`): its Retry-After in ms, else undefined. */
function rateLimitedFor(err: unknown): number | undefined {
  const e = err as { code?: string; retryAfter?: number };
  return e?.code === 'slack_webapi_rate_limited_error' ? Math.max(0, (e.retryAfter ?? 1) * 1000) : undefined;
}

/**
 * Per workspace: whether it refused native streaming (remembered for the process's life), and the budgets of
 * chat.startStream and chat.stopStream (see `STREAM_METHOD_LIMITS`). One per process, shared by every reply.
 */
export class StreamingSupport {
  private readonly refused = new Set<string>();
  private readonly budgets: Record<'start' | 'stop', EditBudgets>;

  /** `startWaitMs`: how long a reply waits for a start at most (see `STREAM_START_MAX_WAIT_MS`). */
  constructor(limits: EditBudgetLimits = STREAM_METHOD_LIMITS, readonly startWaitMs = STREAM_START_MAX_WAIT_MS) {
    this.budgets = { start: new EditBudgets(limits), stop: new EditBudgets(limits) };
  }

  /** Waits for one call of chat.startStream / chat.stopStream in `teamId`; rejects when `signal` aborts first. */
  acquire(teamId: string, method: 'start' | 'stop', priority: WritePriority, signal?: AbortSignal): Promise<void> {
    return this.budgets[method].get(teamId).acquire(priority, signal);
  }

  /** Workspaces remembered (one entry per workspace that refused; bounded by the workspaces the bot is in). */
  get size(): number {
    return this.refused.size;
  }
  allowed(teamId: string): boolean {
    return !this.refused.has(teamId);
  }
  refuse(teamId: string): void {
    this.refused.add(teamId);
  }
}

/**
 * A natively streamed message is append-only: it shows its header as it was when the stream started, then the text;
 * `textLen` is how much of the part's text was appended so far (a later header change cannot be shown there).
 */
type Mode = { kind: 'stream'; textLen: number } | { kind: 'update' };

/** Message handles: `stream:<ts>` for natively streamed messages, the plain ts for posted ones (survives a restart). */
const STREAM = 'stream:';

const isDm = (channelId: string) => channelId.startsWith('D');

/**
 * Slack's side of a chat reply (see `ChatSurface`). In a thread it streams natively (chat.startStream /
 * appendStream / stopStream, append-only) where the workspace allows it; otherwise, and for top-level replies, it
 * posts and edits (chat.postMessage + chat.update with a Cancel button while streaming). A channel the bot cannot
 * post to gets the reply as a DM to the requester instead. The speech is shared into the thread as MP3.
 */
/** How long uploading the streamed MP3 may take before the note is shared the ordinary way instead. */
const STAGE_TIMEOUT_MS = 60_000;

export class SlackReplySurface implements ChatSurface<string> {
  readonly maxTextLength = TEXT_LIMIT;
  private header: ReplyHeader | undefined;
  private readonly modes = new Map<string, Mode>();
  private channel: string;
  /** The thread everything after the first message goes into. */
  private thread: string | undefined;

  /**
   * The MP3 being encoded while the speech streams in (see `openSpeech`), and once the model has finished, that MP3
   * uploaded but not yet shared (`staged`: its file id, undefined if that failed).
   */
  private speech: { mp3: StreamingMp3; staged?: Promise<string | undefined> } | undefined;

  /**
   * `streamClient` makes the chat.startStream / stopStream calls: a client with `rejectRateLimitedCalls`, so that a
   * 429 there comes back here to be waited out (rather than pausing the shared client's whole queue for every
   * reply); default `client`.
   */
  constructor(
    private readonly client: webApi.WebClient,
    private readonly place: SlackPlace,
    private readonly jobId: string,
    private readonly streaming: StreamingSupport,
    private readonly ffmpegPath: string | undefined,
    private readonly streamClient: webApi.WebClient = client,
  ) {
    this.channel = place.channelId;
    this.thread = place.threadTs;
  }

  setHeader(header: ReplyHeader): void {
    this.header = header;
  }

  /**
   * A message a dead worker posted. A natively streamed one is append-only: the text goes on from what it shows
   * (a new try of the model is appended past that length, so a different wording may join at the seam).
   */
  adopt(handle: string, part: number, shown: string): void {
    this.modes.set(handle, handle.startsWith(STREAM) ? { kind: 'stream', textLen: shown.length } : { kind: 'update' });
    if (part === 0) this.thread ??= handle.startsWith(STREAM) ? handle.slice(STREAM.length) : handle;
  }

  async post(view: ReplyView): Promise<string> {
    if (this.thread && this.streaming.allowed(this.place.teamId)) {
      const started = await this.startStreamWithin(view, this.streaming.startWaitMs);
      if (started) return started;
    }
    const body = renderMessage(view, this.header, this.jobId);
    const res = await this.postMessage(body);
    this.modes.set(res, { kind: 'update' });
    this.thread ??= res;
    return res;
  }

  async edit(handle: string, view: ReplyView): Promise<void> {
    const streamed = handle.startsWith(STREAM);
    const ts = streamed ? handle.slice(STREAM.length) : handle;
    // a handle from before a restart: nothing is known of what was appended, so append nothing more
    const mode = this.modes.get(handle) ?? (streamed ? { kind: 'stream' as const, textLen: view.text.length } : undefined);
    if (mode?.kind !== 'stream') {
      await this.client.chat.update({ channel: this.channel, ts, ...renderMessage(view, this.header, this.jobId) });
      return;
    }
    // only the text grows: escaping is per character, so the escaped new part is what the escaped whole adds
    const delta = escapeMarkdownText(view.text.slice(mode.textLen));
    mode.textLen = Math.max(mode.textLen, view.text.length);
    if (view.final) {
      // the ending as the layout decides it: status and closing lines appended, its buttons (Retry) as blocks
      const layout = layoutReply(view, this.header, this.jobId);
      const ending = endingText(layout, escapeMarkdownText);
      const actions = actionsBlock(layout);
      await this.stopStream(ts, [delta, ending ? `\n\n${ending}` : ''].join(''), actions ? [actions] : []);
    } else if (delta) {
      await this.client.chat.appendStream({ channel: this.channel, ts, markdown_text: delta });
    }
  }

  /**
   * A natively streamed first message, waiting up to `maxWaitMs` for the workspace's startStream budget or a 429's
   * Retry-After (a wait, not a refusal). Undefined: post + update instead — for this reply only when it was the
   * wait, for the workspace from now on when Slack refused streaming itself (the feature's error name is not
   * documented, so any other error counts as that).
   */
  private async startStreamWithin(view: ReplyView, maxWaitMs: number): Promise<string | undefined> {
    const until = Date.now() + maxWaitMs;
    for (;;) {
      const left = until - Date.now();
      const granted = left > 0 && await this.streaming.acquire(this.place.teamId, 'start', view.final ? 'final' : 'normal', AbortSignal.timeout(left))
        .then(() => true, () => false);
      if (!granted) return undefined;
      try {
        return await this.startStream(view);
      } catch (err) {
        const wait = rateLimitedFor(err);
        if (wait === undefined) {
          this.streaming.refuse(this.place.teamId);
          return undefined;
        }
        if (Date.now() + wait >= until) return undefined;
        await sleep(wait);
      }
    }
  }

  /**
   * chat.stopStream within its own budget, a 429 waited out and tried again (the message must not stay streaming).
   * `blocks` are rendered at the bottom of the finished message (documented for chat.stopStream).
   */
  private async stopStream(ts: string, markdown: string, blocks: object[]): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      await this.streaming.acquire(this.place.teamId, 'stop', 'final');
      try {
        await this.streamClient.chat.stopStream({
          channel: this.channel, ts, ...(markdown ? { markdown_text: markdown } : {}),
          ...(blocks.length ? { blocks: blocks as webApi.ChatStopStreamArguments['blocks'] } : {}),
        });
        return;
      } catch (err) {
        const wait = rateLimitedFor(err);
        if (wait === undefined || attempt >= STOP_TRIES) throw err;
        await sleep(wait);
      }
    }
  }

  private async startStream(view: ReplyView): Promise<string> {
    const recipients = isDm(this.channel) ? {} : { recipient_user_id: this.place.userId, recipient_team_id: this.place.teamId };
    const text = this.streamText(view);
    const res = await this.streamClient.chat.startStream({ channel: this.channel, thread_ts: this.thread!, markdown_text: text, ...recipients });
    const handle = `${STREAM}${res.ts as string}`;
    this.modes.set(handle, { kind: 'stream', textLen: view.text.length });
    if (view.final) await this.edit(handle, view);
    this.thread ??= res.ts as string;
    return handle;
  }

  /** What a streamed message shows before its ending: the header on the first part, then the text. */
  private streamText(view: ReplyView): string {
    return bodyText(layoutReply(view, this.header, this.jobId), '\n\n', escapeMarkdownText);
  }

  private async postMessage(body: { text: string; blocks: object[] }): Promise<string> {
    try {
      const res = await this.client.chat.postMessage({ channel: this.channel, ...(this.thread ? { thread_ts: this.thread } : {}), ...body });
      return res.ts as string;
    } catch (err) {
      const code = (err as { data?: { error?: string } }).data?.error;
      if (code !== 'not_in_channel' && code !== 'channel_not_found' || this.channel === this.place.userId) throw err;
      // the bot cannot post there: the requester gets the reply in a DM instead
      this.channel = this.place.userId;
      this.thread = undefined;
      const res = await this.client.chat.postMessage({ channel: this.channel, ...body });
      return res.ts as string;
    }
  }

  /**
   * The speech as it streams in goes into an ffmpeg MP3 encoder started with its first chunk, so that once the model
   * ends only a few ms of flushing are left (see `StreamingMp3`). When the model has finished (`end`), the MP3 is
   * uploaded at once (files.getUploadURLExternal, then its bytes) but shared into the thread only by `postVoiceNote`,
   * after the final text: of Slack's three upload calls only the last is left once the text is done. No ffmpeg:
   * nothing (the Ogg file is shared).
   */
  openSpeech(sampleRate: number): SpeechFeed | undefined {
    if (!this.ffmpegPath) return undefined;
    this.speech?.mp3.abort();
    const speech: NonNullable<SlackReplySurface['speech']> = { mp3: new StreamingMp3(this.ffmpegPath, sampleRate) };
    this.speech = speech;
    return {
      write: (pcm) => speech.mp3.write(pcm),
      end: () => {
        speech.mp3.end();
        speech.staged ??= this.stage(speech.mp3);
      },
      abort: () => speech.mp3.abort(),
    };
  }

  /** Uploads the streamed MP3 without sharing it anywhere yet; its file id, or undefined (no MP3, or refused). */
  private async stage(mp3: StreamingMp3): Promise<string | undefined> {
    const made = await mp3.result;
    if (!made) return undefined;
    try {
      const { upload_url: url, file_id: id } = await this.client.files.getUploadURLExternal({ filename: 'translation.mp3', length: made.mp3.length });
      if (!url || !id) return undefined;
      const res = await fetch(url, { method: 'POST', body: made.mp3, signal: AbortSignal.timeout(STAGE_TIMEOUT_MS) });
      return res.ok ? id : undefined;
    } catch {
      return undefined; // shared the ordinary way instead
    }
  }

  async postVoiceNote(note: VoiceNote): Promise<void> {
    const language = this.header?.targetName ?? 'translation';
    const title = `Translated speech (${language}, ${note.durationSecs.toFixed(1)} s)`;
    const speech = this.speech;
    this.speech = undefined;
    let mp3: Buffer | undefined;
    // the MP3 made while the speech streamed, if it is this note's speech (same samples)
    if (speech && speech.mp3.samples === note.samples && speech.mp3.sampleRate === note.sampleRate) {
      speech.mp3.end();
      const staged = await (speech.staged ??= this.stage(speech.mp3));
      if (staged) {
        const where = this.thread ? { channel_id: this.channel, thread_ts: this.thread } : { channel_id: this.channel };
        await this.client.files.completeUploadExternal({ files: [{ id: staged, title }], ...where });
        return;
      }
      mp3 = (await speech.mp3.result)?.mp3;
    } else speech?.mp3.abort();
    mp3 ??= await voiceNoteToMp3(note, this.ffmpegPath);
    await this.upload(mp3 ? 'translation.mp3' : 'translation.ogg', mp3 ?? note.ogg, title);
  }

  async postTextFile(name: string, text: string): Promise<void> {
    await this.upload(name, Buffer.from(text, 'utf8'), 'The whole translation as a text file');
  }

  async postNotice(text: string): Promise<void> {
    await this.client.chat.postMessage({ channel: this.channel, ...(this.thread ? { thread_ts: this.thread } : {}), text });
  }

  private async upload(filename: string, file: Buffer, title: string): Promise<void> {
    const where = this.thread ? { channel_id: this.channel, thread_ts: this.thread } : { channel_id: this.channel };
    await this.client.filesUploadV2({ ...where, file, filename, title } as webApi.FilesUploadV2Arguments);
  }
}
