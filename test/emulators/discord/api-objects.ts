// Discord API objects (v10 JSON) built from the emulator's state: users, members, channels, guilds, messages.

import type { Cdn } from './cdn.js';
import { DEFAULT_PERMISSIONS, FLAG, P, type AttachmentState, type ChannelState, type GuildState, type MemberState, type MessageState, type UserState, type World } from './world.js';

export type Json = Record<string, unknown>;

export interface Serializer {
  world: World;
  cdn: Cdn;
  applicationId: string;
}

export function userObject(u: UserState): Json {
  return {
    id: u.id,
    username: u.username,
    discriminator: '0',
    global_name: u.globalName,
    avatar: null,
    avatar_decoration_data: null,
    banner: null,
    accent_color: null,
    public_flags: 0,
    flags: 0,
    clan: null,
    primary_guild: null,
    ...(u.bot ? { bot: true } : {}),
  };
}

export function memberObject(s: Serializer, m: MemberState, opts: { user?: boolean; permissions?: bigint } = {}): Json {
  return {
    ...(opts.user === false ? {} : { user: userObject(s.world.user(m.userId)) }),
    nick: null,
    avatar: null,
    banner: null,
    roles: [],
    joined_at: s.world.clock.iso(m.joinedAt),
    premium_since: null,
    deaf: false,
    mute: false,
    pending: false,
    flags: 0,
    communication_disabled_until: null,
    unusual_dm_activity_until: null,
    ...(opts.permissions !== undefined ? { permissions: opts.permissions.toString() } : {}),
  };
}

export function channelObject(c: ChannelState): Json {
  return {
    id: c.id,
    type: 0,
    guild_id: c.guildId,
    name: c.name,
    position: c.position,
    permission_overwrites: c.allowVoiceMessages
      ? []
      : [{ id: c.guildId, type: 0, allow: '0', deny: P.SendVoiceMessages.toString() }],
    topic: null,
    nsfw: false,
    last_message_id: c.lastMessageId,
    rate_limit_per_user: 0,
    parent_id: null,
    last_pin_timestamp: null,
    flags: 0,
  };
}

export function everyoneRole(g: GuildState): Json {
  return {
    id: g.id,
    name: '@everyone',
    description: null,
    permissions: DEFAULT_PERMISSIONS.toString(),
    position: 0,
    color: 0,
    colors: { primary_color: 0, secondary_color: null, tertiary_color: null },
    hoist: false,
    managed: false,
    mentionable: false,
    icon: null,
    unicode_emoji: null,
    flags: 0,
  };
}

export function guildObject(s: Serializer, g: GuildState): Json {
  return {
    id: g.id,
    name: g.name,
    icon: null,
    splash: null,
    discovery_splash: null,
    owner_id: g.ownerId,
    afk_channel_id: null,
    afk_timeout: 300,
    verification_level: 0,
    default_message_notifications: 0,
    explicit_content_filter: 0,
    roles: [everyoneRole(g)],
    emojis: [],
    stickers: [],
    features: [],
    mfa_level: 0,
    application_id: null,
    system_channel_id: null,
    system_channel_flags: 0,
    rules_channel_id: null,
    vanity_url_code: null,
    description: null,
    banner: null,
    premium_tier: 0,
    premium_subscription_count: 0,
    preferred_locale: g.preferredLocale,
    public_updates_channel_id: null,
    safety_alerts_channel_id: null,
    nsfw_level: 0,
    premium_progress_bar_enabled: false,
    max_members: 500000,
    max_video_channel_users: 25,
  };
}

/** The GUILD_CREATE payload: the guild with channels, roles, the bot's member and the rest Discord sends. */
export function guildCreateObject(s: Serializer, g: GuildState): Json {
  const channels = [...s.world.channels.values()].filter((c) => c.guildId === g.id);
  const bot = s.world.ensureMember(g.id, s.world.botUser.id);
  return {
    ...guildObject(s, g),
    joined_at: s.world.clock.iso(bot.joinedAt),
    large: false,
    unavailable: false,
    member_count: s.world.membersOf(g.id).length,
    voice_states: [],
    members: [memberObject(s, bot)],
    channels: channels.map(channelObject),
    threads: [],
    presences: [],
    stage_instances: [],
    guild_scheduled_events: [],
    soundboard_sounds: [],
    lazy: true,
  };
}

export function attachmentObject(s: Serializer, a: AttachmentState): Json {
  return {
    id: a.id,
    filename: a.filename,
    size: a.data.length,
    url: s.cdn.url(a),
    proxy_url: s.cdn.proxyUrl(a),
    ...(a.contentType ? { content_type: a.contentType } : {}),
    ...(a.description !== undefined ? { description: a.description } : {}),
    ...(a.title !== undefined ? { title: a.title } : {}),
    ...(a.durationSecs !== undefined ? { duration_secs: a.durationSecs } : {}),
    ...(a.waveform !== undefined ? { waveform: a.waveform } : {}),
    content_scan_version: 2,
    flags: a.flags,
  };
}

export const mentionsUser = (msg: MessageState, userId: string): boolean =>
  msg.content.includes(`<@${userId}>`) || msg.content.includes(`<@!${userId}>`);

/** Without MessageContent, Discord empties these fields except in the app's own messages and those mentioning it. */
export function contentHidden(s: Serializer, msg: MessageState, hasMessageContent: boolean): boolean {
  const botId = s.world.botUser.id;
  return !hasMessageContent && msg.authorId !== botId && !mentionsUser(msg, botId);
}

export interface MessageObjectOptions {
  /** Viewer lacks MessageContent (see contentHidden). */
  hasMessageContent?: boolean;
  /** Gateway flavour: guild_id and member. */
  gateway?: boolean;
  nested?: boolean;
}

export function messageObject(s: Serializer, msg: MessageState, opts: MessageObjectOptions = {}): Json {
  const hidden = contentHidden(s, msg, opts.hasMessageContent ?? true);
  const author = s.world.user(msg.authorId);
  const ref = msg.referencedMessageId ? s.world.messages.get(msg.referencedMessageId) : undefined;
  const reactions = [...msg.reactions].filter(([, users]) => users.length > 0);
  const out: Json = {
    type: msg.type,
    channel_id: msg.channelId,
    content: hidden ? '' : msg.content,
    attachments: hidden ? [] : msg.attachments.map((a) => attachmentObject(s, a)),
    embeds: hidden ? [] : structuredClone(msg.embeds),
    timestamp: s.world.clock.iso(msg.createdAt),
    edited_timestamp: msg.editedAt === null ? null : s.world.clock.iso(msg.editedAt),
    flags: msg.flags,
    components: hidden ? [] : structuredClone(msg.components),
    id: msg.id,
    author: userObject(author),
    mentions: mentionsUser(msg, s.world.botUser.id) ? [userObject(s.world.botUser)] : [],
    mention_roles: [],
    mention_everyone: false,
    pinned: false,
    tts: false,
    ...(msg.nonce !== undefined ? { nonce: msg.nonce } : {}),
    ...(msg.interactionMetadata ?? {}),
    ...(reactions.length
      ? {
          reactions: reactions.map(([name, users]) => ({
            emoji: { id: null, name },
            count: users.length,
            count_details: { burst: 0, normal: users.length },
            burst_colors: [],
            me_burst: false,
            burst_me: false,
            me: users.includes(s.world.botUser.id),
            burst_count: 0,
          })),
        }
      : {}),
  };
  if (msg.referencedMessageId) {
    out.message_reference = { type: 0, channel_id: msg.channelId, message_id: msg.referencedMessageId, guild_id: msg.guildId };
    if (!opts.nested) {
      out.referenced_message = ref && ref.deletedAt === null ? messageObject(s, ref, { ...opts, gateway: false, nested: true }) : null;
    }
  }
  if (opts.gateway) {
    out.guild_id = msg.guildId;
    if (!msg.interactionMetadata) {
      out.member = memberObject(s, s.world.ensureMember(msg.guildId, msg.authorId), { user: false });
    }
  }
  return out;
}

export const isEphemeral = (msg: MessageState): boolean => (msg.flags & FLAG.Ephemeral) !== 0;
