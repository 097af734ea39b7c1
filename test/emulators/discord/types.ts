// The public contract of the Discord emulator: options, world objects, recorded calls and views.

export interface StartOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  botToken?: string;
  /** A snowflake (17–19 digits, as @discordjs/rest expects for webhook routes). Generated when absent. */
  applicationId?: string;
  botUsername?: string;
  /** The emulator's clock (ms). Drives interaction/token expiry, CDN URL expiry, timestamps and snowflakes.
   *  `advanceTime` adds to it. Rate-limit windows always run on the real clock, as discord.js waits in real time. */
  now?: () => number;
  /** Whether the MessageContent privileged intent is enabled for the app (the portal switch). Default true.
   *  false: IDENTIFY asking for 1<<15 is closed with 4014, and REST message reads strip content as Discord does. */
  grantMessageContent?: boolean;
  /** HELLO heartbeat_interval in ms; default 41250 like Discord. */
  heartbeatIntervalMs?: number;
  /** Reported in interactions and enforced on uploads; default 10 MiB. */
  attachmentSizeLimit?: number;
  /** `shards` of GET /gateway/bot (what discord.js's shards: 'auto' runs). Default: 1 per 1000 guilds, at least 1. */
  recommendedShards?: number;
  /** `session_start_limit.max_concurrency` of GET /gateway/bot (identifies per 5 s); default 1. */
  maxConcurrency?: number;
  /** Guilds one session may hold: IDENTIFY whose shard (or the whole world, unsharded) holds more is closed 4011
   *  "Sharding required". Default 2500, as Discord. */
  maxGuildsPerShard?: number;
}

export interface Guild {
  readonly id: string;
  readonly name: string;
  readonly ownerId: string;
  readonly preferredLocale: string;
}

export interface Channel {
  readonly id: string;
  readonly guildId: string;
  readonly name: string;
  /** false: @everyone is denied SEND_VOICE_MESSAGES (1<<46) by an overwrite, and voice messages get 403 50173. */
  readonly allowVoiceMessages: boolean;
}

export interface User {
  readonly id: string;
  readonly username: string;
  /** The user's client language, sent as `locale` in their interactions. */
  readonly locale: string;
  readonly bot: boolean;
}

export interface FileSpec {
  name: string;
  data: Buffer;
  contentType: string;
  durationSecs?: number;
  waveform?: string;
  description?: string;
}

export interface UserMessageOptions {
  content?: string;
  files?: FileSpec[];
  /** Sets IS_VOICE_MESSAGE (1<<13); the one file should then carry durationSecs and waveform. */
  voiceMessage?: boolean;
  /** Id of a message in the same channel this one replies to. */
  replyTo?: string;
}

/** Option values of a slash command. The type comes from the registered command's option of that name
 *  (falling back to string 3 / integer 4 / number 10 / boolean 5 by JS type). */
export type OptionValues = Record<string, string | number | boolean>;

export interface SlashCommandOptions {
  userId: string;
  channelId: string;
  name: string;
  options?: OptionValues;
  /** Attachment options (type 11): option name → file. They appear in data.resolved.attachments. */
  attachments?: Record<string, FileSpec>;
  /** Defaults to the user's locale. */
  locale?: string;
}

export interface MessageCommandOptions {
  userId: string;
  channelId: string;
  name: string;
  targetMessageId: string;
  locale?: string;
}

export interface ComponentOptions {
  userId: string;
  channelId: string;
  messageId: string;
  customId: string;
  locale?: string;
}

export interface SelectOptions extends ComponentOptions {
  values: string[];
}

export interface AutocompleteOptions {
  userId: string;
  channelId: string;
  name: string;
  focused: { name: string; value: string };
  options?: OptionValues;
  locale?: string;
}

export interface InteractionHandle {
  readonly id: string;
  readonly token: string;
  /** 2 application command, 3 message component, 4 autocomplete. */
  readonly type: number;
  /** The INTERACTION_CREATE payload exactly as dispatched. */
  readonly payload: Record<string, unknown>;
}

export interface CallbackRecord {
  at: number;
  /** The callback type the bot sent (4, 5, 6, 7, 8, 9). */
  type: number;
  status: number;
  code?: number;
  /** The callback's `data` (for 8: {choices}, for 9: the modal). */
  data?: unknown;
}

export interface InteractionView {
  responses: CallbackRecord[];
  /** The message @original refers to: the reply (4/5) or, for components (6/7), the message clicked. */
  original?: MessageView;
  followups: MessageView[];
  /** Choices of an autocomplete response (type 8), if any. */
  choices?: { name: string; value: string | number }[];
}

export interface AttachmentView {
  id: string;
  filename: string;
  contentType?: string;
  size: number;
  durationSecs?: number;
  waveform?: string;
  description?: string;
}

export interface MessageVersion {
  at: number;
  content: string;
  embeds: unknown[];
  components: unknown[];
  flags: number;
  attachments: AttachmentView[];
}

export interface MessageView extends MessageVersion {
  id: string;
  channelId: string;
  authorId: string;
  /** Message type: 0 default, 19 reply, 20 chat-input command reply, 23 context-menu command reply. */
  type: number;
  referencedMessageId?: string;
  interactionId?: string;
  ephemeral: boolean;
  /** A deferred reply not yet edited (flag 128, "is thinking..."). */
  loading: boolean;
  voiceMessage: boolean;
  deleted: boolean;
  createdAt: number;
  editedAt: number | null;
  /** Every version, first to current. */
  history: MessageVersion[];
  /** emoji → user ids. */
  reactions: Record<string, string[]>;
}

/** Returned by `emu.message(id)` and the Message posted by a user. */
export type Message = MessageView;

export interface RegisteredCommand {
  id: string;
  application_id: string;
  guild_id?: string;
  name: string;
  type: number;
  description: string;
  options?: unknown[];
  version: string;
  [key: string]: unknown;
}

export interface RecordedFile {
  field: string;
  filename: string;
  contentType: string;
  size: number;
}

export interface RecordedCall {
  at: number;
  method: string;
  /** Path after /api/v10, with the query string. */
  path: string;
  /** The route template, e.g. `PATCH /webhooks/:app/:token/messages/@original`. */
  route: string;
  auth: 'bot' | 'none' | 'invalid';
  /** JSON body (or payload_json of a multipart body). */
  body?: unknown;
  files?: RecordedFile[];
  status: number;
  /** Discord JSON error code of a 4xx answer. */
  code?: number;
  /** For 429 answers: seconds, and whether it was the global limit. */
  retryAfter?: number;
  global?: boolean;
  /** 'injected' when a fault answered. */
  fault?: string;
}

export type Fault =
  | { kind: '5xx'; route?: RegExp; status?: number; times?: number }
  | { kind: '429'; route?: RegExp; retryAfter?: number; global?: boolean; times?: number };

export interface IdentifyRecord {
  at: number;
  intents: number;
  /** IDENTIFY's shard [shard_id, num_shards], when it carried a valid one (an invalid one is closed 4010). */
  shard?: [number, number];
  properties: unknown;
  accepted: boolean;
  closeCode?: number;
}

export interface GatewaySessionView {
  id: string;
  /** [shard_id, num_shards]; [0, 1] when IDENTIFY carried none. */
  shard: [number, number];
  connected: boolean;
  /** Dispatches sent to it (READY, GUILD_CREATE, MESSAGE_CREATE...). */
  dispatched: number;
  /** The distinct guilds its dispatches were about, first seen first. */
  guildIds: string[];
}

export interface GatewayStats {
  /** Sockets currently open and identified or resumed. */
  readonly connected: number;
  readonly heartbeats: number;
  readonly resumes: readonly { at: number; sessionId: string; seq: number; replayed: number }[];
  /** Every session identified, in order: which shard it is and what it was sent. */
  readonly sessions: readonly GatewaySessionView[];
}

export interface DiscordEmulator {
  /** e.g. http://127.0.0.1:PORT/api → new Client({ rest: { api: apiUrl } }) */
  readonly apiUrl: string;
  readonly gatewayUrl: string;
  readonly botToken: string;
  readonly applicationId: string;
  readonly botUserId: string;

  /** `shard: [id, count]`: the guild's snowflake is picked so that (guild_id >> 22) % count == id (Discord's own choice
   *  is random; tests want one on each shard). */
  createGuild(opts?: { name?: string; preferredLocale?: string; shard?: [number, number] }): Guild;
  createChannel(guildId: string, opts?: { name?: string; allowVoiceMessages?: boolean }): Channel;
  createUser(opts?: { username?: string; locale?: string }): User;
  setMemberPermissions(guildId: string, userId: string, permissions: bigint): void;

  postUserMessage(channelId: string, userId: string, opts: UserMessageOptions): Message;
  slashCommand(opts: SlashCommandOptions): Promise<InteractionHandle>;
  messageCommand(opts: MessageCommandOptions): Promise<InteractionHandle>;
  clickButton(opts: ComponentOptions): Promise<InteractionHandle>;
  selectMenu(opts: SelectOptions): Promise<InteractionHandle>;
  autocomplete(opts: AutocompleteOptions): Promise<InteractionHandle>;
  addReaction(channelId: string, messageId: string, userId: string, emoji: string): void;

  readonly calls: readonly RecordedCall[];
  /** The calls answered 429 (buckets, global, or injected). */
  readonly rateLimited: readonly RecordedCall[];
  readonly identifies: readonly IdentifyRecord[];
  readonly gateway: GatewayStats;
  /** Visible (not deleted) messages of a channel in order, ephemeral ones included (flag 64). */
  messages(channelId: string): MessageView[];
  /** Any message by id, deleted ones included. */
  message(messageId: string): MessageView | undefined;
  interaction(handle: InteractionHandle | string): InteractionView;
  commands(guildId?: string): RegisteredCommand[];
  file(attachmentId: string): Buffer | undefined;

  inject(fault: Fault): void;
  advanceTime(ms: number): void;
  now(): number;
  /** Drops the bot's gateway sockets: no code = abrupt (1006, discord.js resumes); 4000 resume; 1000 fresh identify. */
  disconnectGateway(opts?: { code?: number }): void;
  waitFor<T>(predicate: () => T | undefined | false | null, timeoutMs?: number): Promise<T>;
  close(): Promise<void>;
}
