// The public contract of the Slack emulator: options, world objects, user actions, records and views.

export interface StartOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /** Default `xoxb-…` generated. Any other token is answered `invalid_auth`. */
  botToken?: string;
  signingSecret?: string;
  /** App-level token (`xapp-…`) accepted by apps.connections.open only. */
  appToken?: string;
  /** Whether chat.startStream is allowed (the app has the "Agents & AI Apps" feature). Default true. */
  nativeStreaming?: boolean;
  /** Error chat.startStream answers when native streaming is off. Default 'feature_not_enabled' — a GUESS:
   *  Slack documents no error for an app without the feature. */
  streamingRefusalError?: string;
  /** Slack's clock (ms): message ts, trigger_id (3 s) and response_url (30 min) expiry, file timestamps.
   *  `advanceTime` adds to it. Rate-limit windows and request signatures always use the real clock. */
  now?: () => number;
  /** Length of a rate-limit "minute" in real ms (default 60 000). Shorten it so tests can hit a tier and see the
   *  client wait it out in seconds: the counts per window stay Slack's. */
  rateLimitWindowMs?: number;
  /** Per-method overrides of the limits in rate-limits.ts (calls per window). */
  rateLimits?: Record<string, { limit: number; scope?: 'workspace' | 'channel' }>;
  /**
   * The app's bot event subscriptions, as in the manifest's `settings.event_subscriptions.bot_events`
   * (`reaction_added`, `message.channels`, `message.groups`, `message.im`, `message.mpim`): Slack delivers only
   * those. Default: every event (no filtering).
   */
  botEvents?: string[];
  /** How long Slack waits for the app to ack an HTTP request or envelope (default 3000 ms). */
  ackTimeoutMs?: number;
  teamId?: string;
  teamDomain?: string;
  botName?: string;
}

export interface Channel {
  readonly id: string;
  readonly name: string;
  /** Whether the bot is in it: posting, history and events need membership (`not_in_channel`). */
  readonly isMember: boolean;
  readonly isIm: boolean;
  readonly isPrivate: boolean;
}

export interface User {
  readonly id: string;
  readonly name: string;
  /** Returned by users.info only with include_locale=true, as Slack does. */
  readonly locale: string;
  readonly isAdmin: boolean;
  readonly isOwner: boolean;
}

export interface FileSpec {
  name: string;
  data: Buffer;
  mimetype: string;
  title?: string;
  /** Clips recorded in Slack. */
  subtype?: 'slack_audio' | 'slack_video';
  /** Slack's own transcript of a clip, served as `transcription: {status:'complete', locale, preview:{content}}`. */
  transcription?: string;
  durationMs?: number;
}

export interface UserMessageOptions {
  text?: string;
  files?: FileSpec[];
  /** Parent ts: the message becomes a thread reply. */
  threadTs?: string;
  /** Deliver a `message` event to the bot (default true, when it is in the channel and a receiver is set). */
  deliver?: boolean;
}

/** A file as the Web API shows it (files[] entries, files.info). */
export interface SlackFileObject {
  id: string;
  name: string;
  title: string;
  mimetype: string;
  filetype: string;
  size: number;
  user: string;
  url_private: string;
  url_private_download: string;
  subtype?: string;
  transcription?: { status: string; locale: string; preview: { content: string; has_more: boolean } };
  [key: string]: unknown;
}

/** What postUserMessage returns. */
export interface SlackMessage {
  readonly channel: string;
  readonly ts: string;
  readonly threadTs?: string;
  readonly user: string;
  readonly text: string;
  readonly files: SlackFileObject[];
}

export interface MessageVersion {
  text: string;
  blocks?: unknown[];
  /** The method that produced this version: chat.postMessage, chat.update, chat.appendStream, response_url… */
  via: string;
  at: number;
}

export interface StreamView {
  /** 'stopped_by_user': the user pressed stop; appends then fail with `stopped_by_user`. */
  state: 'streaming' | 'stopped' | 'stopped_by_user';
  mode: 'markdown_text' | 'chunks' | 'unset';
  recipientUserId?: string;
  recipientTeamId?: string;
  /** Every chunk received, in order (markdown_text calls appear as {type:'markdown_text', text}). */
  chunks: unknown[];
  appends: number;
}

export interface SlackMessageView {
  channel: string;
  ts: string;
  thread_ts?: string;
  user?: string;
  bot_id?: string;
  subtype?: string;
  /** What the user sees now (for streams: the markdown streamed so far). */
  text: string;
  blocks?: unknown[];
  files: SlackFileObject[];
  reply_broadcast?: boolean;
  edited: boolean;
  /** Set when chat.postMessage text was over 40 000 characters and Slack cut it. */
  truncated?: boolean;
  deleted: boolean;
  reactions: { name: string; users: string[] }[];
  streaming?: StreamView;
  /** Every version, first to last. */
  history: MessageVersion[];
}

export interface RecordedCall {
  method: string;
  /** Arguments as parsed: JSON-encoded form fields (blocks, view, files, chunks) are decoded. */
  args: Record<string, unknown>;
  token?: string;
  contentType: string;
  status: number;
  ok: boolean;
  error?: string;
  /** Retry-After (s) on a 429. */
  retryAfter?: number;
  at: number;
}

export interface Delivery {
  transport: 'http' | 'socket';
  /** event_callback, message_action, view_submission, block_actions, slash_commands, raw */
  type: string;
  payload: Record<string, unknown>;
  triggerId?: string;
  responseUrl?: string;
  /** HTTP status the bot answered (HTTP mode). */
  status?: number;
  /** Raw HTTP body, or the JSON of the envelope ack's payload. */
  body?: string;
  /** Parsed ack payload (JSON body / envelope payload), if any. */
  response?: unknown;
  acked: boolean;
  /** ms from sending to the ack; set later for an ack after the deadline. */
  ackMs?: number;
  /** The ack did not come within ackTimeoutMs: Slack shows the user an error. */
  timedOut: boolean;
}

export interface OpenedViewVersion {
  via: 'views.open' | 'views.push' | 'views.update' | 'response_action';
  view: Record<string, unknown>;
  at: number;
}

export interface OpenedView {
  id: string;
  userId: string;
  /** The view as the bot last sent it. */
  view: Record<string, unknown>;
  callbackId?: string;
  hash: string;
  closed: boolean;
  /** response_action 'errors' from the last submission. */
  errors?: Record<string, string>;
  history: OpenedViewVersion[];
}

export interface EphemeralMessage {
  channel: string;
  user: string;
  text: string;
  blocks?: unknown[];
  threadTs?: string;
  via: 'chat.postEphemeral' | 'response_url' | 'ack';
  at: number;
}

export interface UploadedFile {
  id: string;
  name: string;
  title: string;
  mimetype: string;
  filetype: string;
  /** Length announced to files.getUploadURLExternal. */
  declaredLength: number;
  bytes: Buffer;
  completed: boolean;
  channel?: string;
  threadTs?: string;
  initialComment?: string;
  /** ts of the file share message. */
  messageTs?: string;
}

export interface DownloadRecord {
  fileId: string;
  /** false: no/bad bearer token, answered with the HTML login page. */
  authorized: boolean;
  at: number;
}

export interface ShortcutOptions {
  userId: string;
  channelId: string;
  messageTs: string;
  callbackId: string;
}

export interface SlashCommandOptions {
  userId: string;
  channelId: string;
  command: string;
  text?: string;
}

/** A value in a view submission, keyed by block_id then action_id. Per element type (taken from the view):
 *  file_input: file ids or FileSpecs (uploaded as the user's files); static_select/radio_buttons: the option
 *  value; checkboxes/multi_static_select: values; plain_text_input etc.: the string; an object is sent as is. */
export type SubmissionValue = string | string[] | FileSpec[] | Record<string, unknown>;

export interface ViewSubmissionOptions {
  userId: string;
  viewId: string;
  values: Record<string, Record<string, SubmissionValue>>;
}

export interface BlockActionOptions {
  userId: string;
  actionId: string;
  value?: string;
  /** A button or select in a message… */
  channelId?: string;
  messageTs?: string;
  /** …or in a view. */
  viewId?: string;
}

/** Injected faults, consumed in order, `times` (default 1) each; `method: '*'` matches any Web API method.
 *  error: 200 {ok:false,error}; 429: Retry-After (default 1 s) + ratelimited; 5xx: status (default 503) with a
 *  text body (@slack/web-api retries it with backoff); delay: answer normally after `ms`. */
export type Fault =
  | { kind: 'error'; method: string; error: string; times?: number }
  | { kind: '429'; method: string; retryAfter?: number; times?: number }
  | { kind: '5xx'; method: string; status?: number; times?: number }
  | { kind: 'delay'; method: string; ms: number; times?: number };
