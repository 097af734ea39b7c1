import type { webApi } from '@slack/bolt';
import { voiceNoteToMp3 } from '../../src/audio/mp3.js';
import type { VoiceNote } from '../../src/audio/voice-encoder.js';
import type { ChatSurface, ReplyHeader } from '../../src/jobs/types.js';
import type { ReplyView } from '../../src/reply/types.js';
import { layoutReply } from '../../src/reply/layout.js';
import { bodyText, closingText, escapeMrkdwn, renderMessage, TEXT_LIMIT } from './render.js';

/** Where a Slack reply lives: a channel (or DM), in the thread of `threadTs` when given, for `userId`. */
export interface SlackPlace {
  teamId: string;
  channelId: string;
  /** The message whose thread the reply goes into; undefined = a top-level message (then its own thread). */
  threadTs: string | undefined;
  userId: string;
}

/** Which workspaces refused native streaming (remembered for the process's life, per workspace). */
export class StreamingSupport {
  private readonly refused = new Set<string>();
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
export class SlackReplySurface implements ChatSurface<string> {
  readonly maxTextLength = TEXT_LIMIT;
  private header: ReplyHeader | undefined;
  private readonly modes = new Map<string, Mode>();
  private channel: string;
  /** The thread everything after the first message goes into. */
  private thread: string | undefined;

  constructor(
    private readonly client: webApi.WebClient,
    private readonly place: SlackPlace,
    private readonly jobId: string,
    private readonly streaming: StreamingSupport,
    private readonly ffmpegPath: string | undefined,
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
      const started = await this.startStream(view).catch(() => {
        // any refusal (the feature's error name is not documented): post + update, remembered per workspace
        this.streaming.refuse(this.place.teamId);
        return undefined;
      });
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
    const delta = escapeMrkdwn(view.text.slice(mode.textLen));
    mode.textLen = Math.max(mode.textLen, view.text.length);
    if (view.final) {
      const ending = [view.continued ? '_continued below_' : view.overflow ? '_the rest is in translation.txt below_' : '', closingText(layoutReply(view, this.header, this.jobId))].filter(Boolean).join('\n');
      const markdown = [delta, ending ? `\n\n${ending}` : ''].join('');
      await this.client.chat.stopStream({ channel: this.channel, ts, ...(markdown ? { markdown_text: markdown } : {}) });
    } else if (delta) {
      await this.client.chat.appendStream({ channel: this.channel, ts, markdown_text: delta });
    }
  }

  private async startStream(view: ReplyView): Promise<string> {
    const recipients = isDm(this.channel) ? {} : { recipient_user_id: this.place.userId, recipient_team_id: this.place.teamId };
    const text = this.streamText(view);
    const res = await this.client.chat.startStream({ channel: this.channel, thread_ts: this.thread!, markdown_text: text, ...recipients });
    const handle = `${STREAM}${res.ts as string}`;
    this.modes.set(handle, { kind: 'stream', textLen: view.text.length });
    if (view.final) await this.edit(handle, view);
    this.thread ??= res.ts as string;
    return handle;
  }

  /** What a streamed message shows before its ending: the header on the first part, then the text. */
  private streamText(view: ReplyView): string {
    return bodyText(layoutReply(view, this.header, this.jobId), '\n\n');
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

  async postVoiceNote(note: VoiceNote): Promise<void> {
    const mp3 = await voiceNoteToMp3(note, this.ffmpegPath);
    const language = this.header?.targetName ?? 'translation';
    await this.upload(mp3 ? 'translation.mp3' : 'translation.ogg', mp3 ?? note.ogg, `Translated speech (${language}, ${note.durationSecs.toFixed(1)} s)`);
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
