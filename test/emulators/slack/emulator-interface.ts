// The object startSlackEmulator() returns.

import type {
  BlockActionOptions,
  Channel,
  Delivery,
  DownloadRecord,
  EphemeralMessage,
  Fault,
  FileSpec,
  OpenedView,
  RecordedCall,
  ShortcutOptions,
  SlackFileObject,
  SlackMessage,
  SlackMessageView,
  SlashCommandOptions,
  UploadedFile,
  User,
  UserMessageOptions,
  ViewSubmissionOptions,
} from './types.js';

export interface SlackEmulator {
  /** `http://127.0.0.1:PORT/api/` → `new App({ clientOptions: { slackApiUrl: apiUrl } })`. */
  readonly apiUrl: string;
  readonly botToken: string;
  readonly signingSecret: string;
  readonly appToken: string;
  readonly botUserId: string;
  readonly botId: string;
  readonly appId: string;
  readonly teamId: string;

  // ── world ──
  /** Default: a public channel the bot is a member of. */
  createChannel(opts?: { name?: string; isMember?: boolean; isPrivate?: boolean }): Channel;
  /** The DM between the user and the bot. recipient ids are optional there for chat.startStream. */
  createIm(userId: string): Channel;
  createUser(opts?: { name?: string; locale?: string; isAdmin?: boolean; isOwner?: boolean }): User;
  /** A file the user uploaded but did not share (e.g. through a modal's file_input). */
  uploadUserFile(userId: string, spec: FileSpec): SlackFileObject;

  // ── what users do ── (each is delivered over Socket Mode when a socket is open, else signed to the endpoint)
  /** Where events and interactions go in HTTP mode, e.g. http://127.0.0.1:3000/slack/events */
  setBotEndpoint(url: string): void;
  /** Synchronous; the `message` event (if any) is delivered in the background and appears in `deliveries`. */
  postUserMessage(channelId: string, userId: string, opts: UserMessageOptions): SlackMessage;
  messageShortcut(opts: ShortcutOptions): Promise<Delivery>;
  slashCommand(opts: SlashCommandOptions): Promise<Delivery>;
  viewSubmission(opts: ViewSubmissionOptions): Promise<Delivery>;
  blockAction(opts: BlockActionOptions): Promise<Delivery>;
  /** Records the reaction and delivers `reaction_added` (when the bot is in the channel). */
  addReaction(channelId: string, messageTs: string, userId: string, reaction: string): Promise<Delivery | undefined>;
  /** The user presses "stop" on a streaming message: later appends fail with `stopped_by_user`. */
  stopStreamAsUser(channelId: string, ts: string): void;
  /**
   * Sends an event delivery again as Slack retries one it thinks failed: the same body and `event_id`, with
   * `X-Slack-Retry-Num: 1` and `X-Slack-Retry-Reason` (HTTP mode only in this emulator).
   */
  redeliver(delivery: Delivery, reason?: string): Promise<Delivery>;
  /** POSTs a body to the endpoint as is, with only the given headers (bad/stale signature tests). */
  sendRaw(body: string, headers: Record<string, string>): Promise<{ status: number; body: string }>;

  // ── what the bot did ──
  readonly calls: RecordedCall[];
  readonly rateLimited: RecordedCall[];
  readonly deliveries: Delivery[];
  readonly downloads: DownloadRecord[];
  /** All live messages in the channel (top level and thread replies), oldest first. */
  messages(channelId: string): SlackMessageView[];
  /** Parent then replies. */
  thread(channelId: string, ts: string): SlackMessageView[];
  /** One message, deleted ones included. */
  message(channelId: string, ts: string): SlackMessageView | undefined;
  views(): OpenedView[];
  ephemerals(channelId?: string): EphemeralMessage[];
  /** Files the bot uploaded. */
  files(): UploadedFile[];
  /** Bytes of any file. */
  fileBytes(fileId: string): Buffer | undefined;
  readonly socketMode: { readonly connected: boolean; readonly connections: number; readonly acks: unknown[] };

  // ── control ──
  inject(fault: Fault): void;
  setNativeStreaming(allowed: boolean): void;
  /** Sends `{type:'disconnect', reason}` on the open socket (the client reconnects). */
  disconnectSocket(reason?: 'warning' | 'refresh_requested' | 'link_disabled'): void;
  advanceTime(ms: number): void;
  now(): number;
  waitFor<T>(predicate: () => T | undefined | false | null, timeoutMs?: number): Promise<T>;
  close(): Promise<void>;
}
