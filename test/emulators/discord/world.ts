// The emulated Discord's state: guilds, channels, users and members, messages with their history, attachments.

import { type Clock, Snowflakes, shardOf } from './clock-and-ids.js';
import { errors } from './http-io.js';
import type { AttachmentView, Channel, Guild, MessageVersion, MessageView, User } from './types.js';

export const P = {
  CreateInstantInvite: 1n << 0n,
  AddReactions: 1n << 6n,
  ViewChannel: 1n << 10n,
  SendMessages: 1n << 11n,
  ManageMessages: 1n << 13n,
  EmbedLinks: 1n << 14n,
  AttachFiles: 1n << 15n,
  ReadMessageHistory: 1n << 16n,
  UseExternalEmojis: 1n << 18n,
  ChangeNickname: 1n << 26n,
  UseApplicationCommands: 1n << 31n,
  SendMessagesInThreads: 1n << 38n,
  SendVoiceMessages: 1n << 46n,
  Administrator: 1n << 3n,
} as const;

/** What @everyone gets in a fresh server, roughly. */
export const DEFAULT_PERMISSIONS =
  P.CreateInstantInvite | P.AddReactions | P.ViewChannel | P.SendMessages | P.EmbedLinks | P.AttachFiles |
  P.ReadMessageHistory | P.UseExternalEmojis | P.ChangeNickname | P.UseApplicationCommands |
  P.SendMessagesInThreads | P.SendVoiceMessages;

export interface GuildState extends Guild {
  createdAt: number;
}
export interface ChannelState extends Channel {
  position: number;
  lastMessageId: string | null;
}
export interface UserState extends User {
  globalName: string | null;
}
export interface MemberState {
  guildId: string;
  userId: string;
  joinedAt: number;
  /** Guild-level permissions (what the member's roles grant). */
  permissions: bigint;
}

export interface AttachmentState {
  id: string;
  channelId: string;
  filename: string;
  contentType?: string;
  data: Buffer;
  durationSecs?: number;
  waveform?: string;
  description?: string;
  title?: string;
  flags: number;
}

export interface MessageState {
  id: string;
  channelId: string;
  guildId: string;
  authorId: string;
  type: number;
  content: string;
  embeds: unknown[];
  components: unknown[];
  flags: number;
  attachments: AttachmentState[];
  referencedMessageId?: string;
  interactionId?: string;
  /** Set on interaction responses: application_id, webhook_id and interaction_metadata. */
  interactionMetadata?: Record<string, unknown>;
  nonce?: string | number;
  createdAt: number;
  editedAt: number | null;
  deletedAt: number | null;
  history: MessageVersion[];
  reactions: Map<string, string[]>;
  /** Ephemeral messages are seen by one user only. */
  visibleTo?: string;
}

export type MessageContent = Pick<MessageState, 'content' | 'embeds' | 'components' | 'flags' | 'attachments'>;

export const FLAG = { Ephemeral: 64, Loading: 128, VoiceMessage: 8192, SuppressEmbeds: 4 } as const;

export class World {
  readonly ids: Snowflakes;
  readonly guilds = new Map<string, GuildState>();
  readonly channels = new Map<string, ChannelState>();
  readonly users = new Map<string, UserState>();
  readonly members = new Map<string, MemberState>();
  readonly messages = new Map<string, MessageState>();
  readonly attachments = new Map<string, AttachmentState>();
  private readonly channelOrder = new Map<string, string[]>();
  readonly botUser: UserState;

  constructor(
    readonly clock: Clock,
    botUsername: string,
  ) {
    this.ids = new Snowflakes(clock);
    this.botUser = this.addUser({ username: botUsername, bot: true, locale: 'en-US' });
  }

  addUser(opts: { username?: string; locale?: string; bot?: boolean }): UserState {
    const id = this.ids.next();
    const user: UserState = {
      id,
      username: opts.username ?? `user${this.users.size}`,
      globalName: opts.bot ? null : (opts.username ?? null),
      locale: opts.locale ?? 'en-US',
      bot: opts.bot ?? false,
    };
    this.users.set(id, user);
    return user;
  }

  addGuild(opts: { name?: string; preferredLocale?: string; shard?: [number, number] }): GuildState {
    const on = opts.shard;
    if (on && !(Number.isInteger(on[0]) && Number.isInteger(on[1]) && on[1] >= 1 && on[0] >= 0 && on[0] < on[1])) {
      throw new Error(`createGuild: shard must be [id, count] with 0 <= id < count, got ${JSON.stringify(on)}`);
    }
    const id = on ? this.ids.next((g) => shardOf(g, on[1]) === on[0]) : this.ids.next();
    const guild: GuildState = {
      id,
      name: opts.name ?? `Guild ${this.guilds.size + 1}`,
      ownerId: this.addUser({ username: 'server-owner' }).id,
      preferredLocale: opts.preferredLocale ?? 'en-US',
      createdAt: this.clock.now(),
    };
    this.guilds.set(id, guild);
    this.ensureMember(id, this.botUser.id);
    return guild;
  }

  addChannel(guildId: string, opts: { name?: string; allowVoiceMessages?: boolean }): ChannelState {
    this.guild(guildId);
    const id = this.ids.next();
    const position = [...this.channels.values()].filter((c) => c.guildId === guildId).length;
    const channel: ChannelState = {
      id,
      guildId,
      name: opts.name ?? `channel-${position + 1}`,
      allowVoiceMessages: opts.allowVoiceMessages ?? true,
      position,
      lastMessageId: null,
    };
    this.channels.set(id, channel);
    this.channelOrder.set(id, []);
    return channel;
  }

  guild(id: string): GuildState {
    const g = this.guilds.get(id);
    if (!g) throw errors.unknownGuild();
    return g;
  }
  channel(id: string): ChannelState {
    const c = this.channels.get(id);
    if (!c) throw errors.unknownChannel();
    return c;
  }
  user(id: string): UserState {
    const u = this.users.get(id);
    if (!u) throw errors.unknownUser();
    return u;
  }
  message(channelId: string, id: string): MessageState {
    const m = this.messages.get(id);
    if (!m || m.channelId !== channelId || m.deletedAt !== null) throw errors.unknownMessage();
    return m;
  }

  ensureMember(guildId: string, userId: string): MemberState {
    const key = `${guildId}:${userId}`;
    let m = this.members.get(key);
    if (!m) {
      m = { guildId, userId, joinedAt: this.clock.now(), permissions: DEFAULT_PERMISSIONS };
      this.members.set(key, m);
    }
    return m;
  }
  membersOf(guildId: string): MemberState[] {
    return [...this.members.values()].filter((m) => m.guildId === guildId);
  }

  /** Channel permissions: guild permissions, then the channel's @everyone overwrite. */
  permissionsIn(channel: ChannelState, userId: string): bigint {
    const guild = this.guild(channel.guildId);
    const member = this.ensureMember(guild.id, userId);
    if (userId === guild.ownerId || (member.permissions & P.Administrator) !== 0n) return (1n << 53n) - 1n;
    let perms = member.permissions;
    if (!channel.allowVoiceMessages) perms &= ~P.SendVoiceMessages;
    return perms;
  }

  addAttachment(channelId: string, a: Omit<AttachmentState, 'id' | 'channelId' | 'flags'> & { flags?: number }): AttachmentState {
    const att: AttachmentState = { ...a, id: this.ids.next(), channelId, flags: a.flags ?? 0 };
    this.attachments.set(att.id, att);
    return att;
  }

  addMessage(init: Omit<MessageState, 'id' | 'createdAt' | 'editedAt' | 'deletedAt' | 'history' | 'reactions'>): MessageState {
    const channel = this.channel(init.channelId);
    const msg: MessageState = {
      ...init,
      id: this.ids.next(),
      createdAt: this.clock.now(),
      editedAt: null,
      deletedAt: null,
      history: [],
      reactions: new Map(),
    };
    msg.history.push(this.version(msg, msg.createdAt));
    this.messages.set(msg.id, msg);
    this.channelOrder.get(channel.id)?.push(msg.id);
    if (!msg.visibleTo) channel.lastMessageId = msg.id;
    return msg;
  }

  editMessage(msg: MessageState, next: Partial<MessageContent>): void {
    Object.assign(msg, next);
    msg.editedAt = this.clock.now();
    msg.history.push(this.version(msg, msg.editedAt));
  }

  deleteMessage(msg: MessageState): void {
    msg.deletedAt = this.clock.now();
  }

  channelMessages(channelId: string): MessageState[] {
    return (this.channelOrder.get(channelId) ?? []).map((id) => this.messages.get(id)).filter((m): m is MessageState => !!m);
  }

  version(msg: MessageContent, at: number): MessageVersion {
    return {
      at,
      content: msg.content,
      embeds: structuredClone(msg.embeds),
      components: structuredClone(msg.components),
      flags: msg.flags,
      attachments: msg.attachments.map(attachmentView),
    };
  }

  view(msg: MessageState): MessageView {
    const current = msg.history[msg.history.length - 1] ?? this.version(msg, msg.createdAt);
    return {
      ...current,
      id: msg.id,
      channelId: msg.channelId,
      authorId: msg.authorId,
      type: msg.type,
      ...(msg.referencedMessageId ? { referencedMessageId: msg.referencedMessageId } : {}),
      ...(msg.interactionId ? { interactionId: msg.interactionId } : {}),
      ephemeral: (msg.flags & FLAG.Ephemeral) !== 0,
      loading: (msg.flags & FLAG.Loading) !== 0,
      voiceMessage: (msg.flags & FLAG.VoiceMessage) !== 0,
      deleted: msg.deletedAt !== null,
      createdAt: msg.createdAt,
      editedAt: msg.editedAt,
      history: [...msg.history],
      reactions: Object.fromEntries([...msg.reactions].map(([k, v]) => [k, [...v]])),
    };
  }
}

export function attachmentView(a: AttachmentState): AttachmentView {
  return {
    id: a.id,
    filename: a.filename,
    ...(a.contentType ? { contentType: a.contentType } : {}),
    size: a.data.length,
    ...(a.durationSecs !== undefined ? { durationSecs: a.durationSecs } : {}),
    ...(a.waveform !== undefined ? { waveform: a.waveform } : {}),
    ...(a.description !== undefined ? { description: a.description } : {}),
  };
}
