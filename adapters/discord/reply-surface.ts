import { DefaultRestOptions, DiscordAPIError, MessageFlags, REST, Routes, type RawFile } from 'discord.js';
import type { VoiceNote } from '../../src/audio/voice-encoder.js';
import type { Clock } from '../../src/clock.js';
import type { ChatSurface, ReplyHeader } from '../../src/jobs/types.js';
import type { ReplyView } from '../../src/reply/types.js';
import { renderView, TEXT_LIMIT } from './render.js';

/** Where a reply lives: an interaction's response (webhook, token valid 15 min) or plain channel messages. */
export type ReplyPlace =
  | { kind: 'interaction'; applicationId: string; token: string; channelId: string; createdAt: number; ephemeral: boolean; original: 'deferred' | 'followup' }
  | { kind: 'channel'; channelId: string; replyTo: string };

/**
 * Interaction tokens live 15 minutes. A minute before, a public reply switches to the bot token: its messages are
 * edited, and new parts posted, through the channel routes. Ephemeral replies cannot be: they are only writable
 * until then (`writableUntil`), and the core ends them there.
 *
 * Webhook routes (`/webhooks/{app}/{token}/…`) are sent with `auth: false`: they are authorised by the interaction
 * token in the path, and @discordjs/rest clears the bot's own token on any 401 — an expired interaction token must
 * never take the bot's credentials with it.
 */
export const INTERACTION_HANDOFF_MS = 14 * 60_000;

/**
 * The REST client for interaction webhook routes (`/webhooks/{app}/{token}…`: the reply, its follow-ups, a private
 * reply's audio file). Discord does not count those against the bot's global limit (50 requests a second), but
 * @discordjs/rest counts every request a REST instance makes, whatever its `auth`: `globalRemaining` and
 * `globalReset` live on the instance (the manager) and each handler's `runRequest` takes one from them before
 * sending (2.6.3, dist/index.mjs). On the bot's instance, a busy queue of replies would delay the bot's own calls
 * (and the reverse). So webhook routes get an instance of their own: no token at all (they are sent `auth: false`,
 * and a 401 there cannot clear the bot's), no global limit of its own (`globalRequestsPerSecond: Infinity`), its
 * own handler queues and per-route buckets (each token's 5 edits per 5 s, as Discord's headers say), and a 429
 * still waited out (a global 429 Discord sends pauses only this instance, until its Retry-After).
 *
 * `wire` is told when each request actually leaves (after any bucket wait inside @discordjs/rest).
 */
export function webhookRest(apiUrl: string, wire?: WireWatch): REST {
  return new REST({ api: apiUrl, globalRequestsPerSecond: Infinity, ...(wire ? { makeRequest: wire.makeRequest } : {}) });
}

/**
 * Says when a request of a REST instance is on the wire: @discordjs/rest may hold a request in its bucket queue (a
 * route's remaining count at 0 until its reset, plus its 50 ms offset) after the caller issued it. A reply's final
 * edit held there while its voice message goes out on another route would show the voice note first: the surface
 * waits for the final edit to be on the wire (not for its answer) before posting what follows the reply.
 */
export class WireWatch {
  private waiters: { method: string; path: string; resolve: () => void }[] = [];

  readonly makeRequest: typeof DefaultRestOptions.makeRequest = (url, init) => {
    const method = (init.method ?? 'GET').toUpperCase();
    const path = new URL(url).pathname;
    const due = this.waiters.filter((w) => w.method === method && path.endsWith(w.path));
    if (due.length) this.waiters = this.waiters.filter((w) => !due.includes(w));
    for (const w of due) w.resolve();
    return DefaultRestOptions.makeRequest(url, init);
  };

  /** Resolves when the next `method` request to a URL ending in `path` (a `Routes.*` path) is sent. */
  sent(method: string, path: string): Promise<void> {
    return new Promise((resolve) => this.waiters.push({ method, path, resolve }));
  }

  /** Stops waiting for `sent` (the request settled first, e.g. it failed before being sent). */
  drop(path: string): void {
    const gone = this.waiters.filter((w) => w.path === path);
    this.waiters = this.waiters.filter((w) => w.path !== path);
    for (const w of gone) w.resolve();
  }
}

interface Posted { id: string }

const VOICE_FILE = 'voice-message.ogg';

/**
 * Discord's side of a chat reply (see `ChatSurface`): renders views and writes them with the bot's REST client.
 * Voice notes go out as real voice messages (flag IS_VOICE_MESSAGE, audio/ogg, duration and waveform), falling back
 * to a plain audio attachment where the channel refuses voice messages; private replies get an ephemeral file.
 */
export class DiscordReplySurface implements ChatSurface<string> {
  readonly maxTextLength = TEXT_LIMIT;
  private header: ReplyHeader | undefined;
  /** Voice notes posted (their nonces count them). */
  private voiceNotes = 0;
  /** First message of the reply (where the voice note replies to). */
  private firstId: string | undefined;

  /**
   * The reply's final edit: resolved once it is on the wire (see `WireWatch`) or settled; what follows the reply
   * (voice note, file, notice) is posted after it.
   */
  private finalOut: Promise<void> | undefined;

  /**
   * `webhooks`: the REST client for interaction webhook routes (see `webhookRest`), default `rest`; `wire` its
   * `WireWatch`, if it has one.
   */
  constructor(
    private readonly rest: REST,
    private readonly place: ReplyPlace,
    private readonly jobId: string,
    private readonly clock: Clock,
    private readonly webhooks: REST = rest,
    private readonly wire?: WireWatch,
  ) {}

  get writableUntil(): number | undefined {
    const p = this.place;
    return p.kind === 'interaction' && p.ephemeral ? p.createdAt + INTERACTION_HANDOFF_MS : undefined;
  }

  setHeader(header: ReplyHeader): void {
    this.header = header;
  }

  adopt(message: string, part: number): void {
    if (part === 0) this.firstId ??= message;
  }

  async post(view: ReplyView): Promise<string> {
    const body = renderView(view, this.header, this.jobId);
    const p = this.place;
    let posted: Posted;
    if (p.kind === 'channel' || this.useBotToken()) {
      const replyTo = this.firstId ?? (p.kind === 'channel' ? p.replyTo : undefined);
      posted = await this.postToChannel(body, replyTo, undefined, `${this.jobId}:p${view.part}`);
    } else if (view.part === 0 && p.original === 'deferred') {
      posted = (await this.webhooks.patch(Routes.webhookMessage(p.applicationId, p.token, '@original'), { body, auth: false })) as Posted;
    } else {
      posted = (await this.webhooks.post(Routes.webhook(p.applicationId, p.token), {
        body: { ...body, flags: p.ephemeral ? MessageFlags.Ephemeral : 0 }, query: new URLSearchParams({ wait: 'true' }), auth: false,
      })) as Posted;
    }
    this.firstId ??= posted.id;
    return posted.id;
  }

  async edit(message: string, view: ReplyView): Promise<void> {
    const body = renderView(view, this.header, this.jobId);
    const p = this.place;
    let edit: Promise<unknown>;
    let onWire: Promise<void> | undefined;
    if (p.kind === 'channel' || this.useBotToken()) {
      edit = this.rest.patch(Routes.channelMessage(p.channelId, message), { body });
    } else {
      const route = Routes.webhookMessage(p.applicationId, p.token, message);
      if (view.final && !view.continued && this.wire) onWire = this.wire.sent('PATCH', route);
      edit = this.webhooks.patch(route, { body, auth: false });
      if (onWire) void edit.finally(() => this.wire!.drop(route)).catch(() => undefined);
    }
    // the bot's own client says nothing of when a request leaves its queue: there, what follows waits for the answer
    if (view.final && !view.continued) this.finalOut = onWire ?? edit.then(() => undefined, () => undefined);
    await edit;
  }

  /** What follows the reply goes out once its final edit is on its way (see `finalOut`). */
  private async afterReply(): Promise<void> {
    await this.finalOut;
  }

  /**
   * A channel message with the bot token, replying to `replyTo` when given. With `nonce` (`<job>:<what>`, at most 25
   * characters) and `enforce_nonce`, Discord answers a repeat within a few minutes with the message it already made:
   * a worker that takes over a job whose worker died mid-request never posts that message twice.
   */
  private postToChannel(body: object, replyTo: string | undefined, files?: RawFile[], nonce?: string): Promise<Posted> {
    const reference = replyTo ? { message_reference: { message_id: replyTo, fail_if_not_exists: false } } : {};
    const once = nonce ? { nonce: nonce.slice(0, 25), enforce_nonce: true } : {};
    return this.rest.post(Routes.channelMessages(this.place.channelId), { ...(files ? { files } : {}), body: { ...body, ...reference, ...once } }) as Promise<Posted>;
  }

  private useBotToken(): boolean {
    const p = this.place;
    return p.kind === 'interaction' && !p.ephemeral && this.clock.now() - p.createdAt > INTERACTION_HANDOFF_MS;
  }

  async postVoiceNote(note: VoiceNote): Promise<void> {
    await this.afterReply();
    const p = this.place;
    if (p.kind === 'interaction' && p.ephemeral) {
      // voice messages cannot be ephemeral: the private copy is a plain audio file only the requester sees
      await this.webhooks.post(Routes.webhook(p.applicationId, p.token), {
        files: [{ name: 'translation.ogg', data: note.ogg, contentType: 'audio/ogg' }],
        body: { content: '🔊 Translated speech', flags: MessageFlags.Ephemeral, allowed_mentions: { parse: [] } }, auth: false,
      });
      return;
    }
    try {
      await this.postToChannel({
        flags: MessageFlags.IsVoiceMessage,
        attachments: [{ id: '0', filename: VOICE_FILE, duration_secs: note.durationSecs, waveform: note.waveform }],
      }, this.firstId, [{ name: VOICE_FILE, data: note.ogg, contentType: 'audio/ogg' }], `${this.jobId}:v${++this.voiceNotes}`);
    } catch (err) {
      // 50173: voice messages not allowed here; 50013: missing SEND_VOICE_MESSAGES. The user still gets the audio.
      if (!(err instanceof DiscordAPIError) || (err.code !== 50173 && err.code !== 50013)) throw err;
      await this.postToChannel(
        { content: '🔊 Translated speech (voice messages are not allowed in this channel)', allowed_mentions: { parse: [] } },
        this.firstId, [{ name: 'translation.ogg', data: note.ogg, contentType: 'audio/ogg' }],
      );
    }
  }

  postNotice(text: string): Promise<void> {
    return this.postExtra({ content: text, allowed_mentions: { parse: [] } });
  }

  postTextFile(name: string, text: string): Promise<void> {
    return this.postExtra({ content: '📄 The whole translation as a text file', allowed_mentions: { parse: [] } },
      [{ name, data: Buffer.from(text, 'utf8'), contentType: 'text/plain; charset=utf-8' }]);
  }

  /** A message after the reply: a follow-up while the interaction lasts, else a channel reply to the first part. */
  private async postExtra(body: object, files?: RawFile[]): Promise<void> {
    await this.afterReply();
    const p = this.place;
    if (p.kind === 'interaction' && !this.useBotToken()) {
      await this.webhooks.post(Routes.webhook(p.applicationId, p.token), { ...(files ? { files } : {}), body: { ...body, flags: p.ephemeral ? MessageFlags.Ephemeral : 0 }, auth: false });
    } else {
      await this.postToChannel(body, this.firstId, files);
    }
  }
}
