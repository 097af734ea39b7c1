// Creating, editing and deleting messages and adding reactions, with the gateway events Discord sends for them.

import { memberObject, messageObject, type Json } from './api-objects.js';
import { INTENT, type Ctx } from './context.js';
import { ApiError, at, errors, fieldError, isObject, type UploadedFile } from './http-io.js';
import { validateMessage } from './message-validation.js';
import { FLAG, P, type ChannelState, type MessageState } from './world.js';

export interface CreateParams {
  channel: ChannelState;
  authorId: string;
  body: unknown;
  files: UploadedFile[];
  allowEphemeral: boolean;
  /** Whether this route accepts voice messages at all (the channel's permission is checked here). */
  voiceRoute: boolean;
  type?: number;
  interactionId?: string;
  interactionMetadata?: Json;
  /** For ephemeral messages: the one user who sees it. */
  visibleTo?: string;
}

/** How long Discord remembers an enforced nonce ("the past few minutes"; the exact figure is not documented). */
export const NONCE_WINDOW_MS = 5 * 60_000;

export function createMessage(ctx: Ctx, p: CreateParams): MessageState {
  const { world } = ctx;
  const flags = isObject(p.body) && typeof p.body.flags === 'number' ? p.body.flags : 0;
  if (!p.voiceRoute && (flags & FLAG.VoiceMessage) !== 0) {
    // Voice messages are documented for Create Message and the initial interaction response only; what Discord
    // answers elsewhere (followups) is our guess.
    throw errors.invalidForm(at(['flags'], fieldError('MESSAGE_FLAGS_INVALID', 'IS_VOICE_MESSAGE cannot be set here.')));
  }
  const voiceAllowed = p.voiceRoute && (world.permissionsIn(p.channel, p.authorId) & P.SendVoiceMessages) !== 0n;
  const v = validateMessage({
    body: p.body,
    files: p.files,
    mode: 'create',
    allowEphemeral: p.allowEphemeral,
    voiceAllowed,
    sizeLimit: ctx.attachmentSizeLimit,
  });
  // enforce_nonce: a message with the same nonce by the same author in this channel within a few minutes is
  // answered instead of creating another (Discord: "the nonce will be checked for uniqueness in the past few minutes")
  if (v.enforceNonce && v.nonce !== undefined) {
    for (const m of world.messages.values()) {
      if (m.channelId === p.channel.id && m.authorId === p.authorId && m.nonce === v.nonce && m.deletedAt === null
        && ctx.clock.now() - m.createdAt < NONCE_WINDOW_MS) return m;
    }
  }
  let referenced: string | undefined;
  if (v.reference) {
    const target = world.messages.get(v.reference.message_id);
    const sameChannel = target && target.channelId === p.channel.id && target.deletedAt === null && !target.visibleTo;
    if (sameChannel && (!v.reference.channel_id || v.reference.channel_id === p.channel.id)) referenced = target.id;
    else if (v.reference.fail_if_not_exists !== false) {
      throw errors.invalidForm(at(['message_reference'], fieldError('MESSAGE_REFERENCE_UNKNOWN_MESSAGE', 'Unknown message')));
    }
  }
  const attachments = v.add.map((d) =>
    world.addAttachment(p.channel.id, {
      filename: d.filename,
      contentType: d.contentType,
      data: d.file.data,
      ...(d.durationSecs !== undefined ? { durationSecs: d.durationSecs } : {}),
      ...(d.waveform !== undefined ? { waveform: d.waveform } : {}),
      ...(d.description !== undefined ? { description: d.description } : {}),
      ...(d.title !== undefined ? { title: d.title } : {}),
    }),
  );
  const ephemeral = (v.flags & FLAG.Ephemeral) !== 0;
  const msg = world.addMessage({
    channelId: p.channel.id,
    guildId: p.channel.guildId,
    authorId: p.authorId,
    type: p.type ?? (referenced ? 19 : 0),
    content: v.content,
    embeds: v.embeds,
    components: v.components,
    flags: v.flags,
    attachments,
    ...(referenced ? { referencedMessageId: referenced } : {}),
    ...(p.interactionId ? { interactionId: p.interactionId } : {}),
    ...(p.interactionMetadata ? { interactionMetadata: p.interactionMetadata } : {}),
    ...(v.nonce !== undefined ? { nonce: v.nonce } : {}),
    ...(ephemeral && p.visibleTo ? { visibleTo: p.visibleTo } : {}),
  });
  if (!ephemeral) announce(ctx, 'MESSAGE_CREATE', msg);
  return msg;
}

/** A deferred reply's placeholder: flag LOADING (+ EPHEMERAL), no content, shown as "is thinking...". */
export function createLoadingMessage(ctx: Ctx, p: Omit<CreateParams, 'body' | 'files' | 'voiceRoute' | 'allowEphemeral'> & { ephemeral: boolean }): MessageState {
  const msg = ctx.world.addMessage({
    channelId: p.channel.id,
    guildId: p.channel.guildId,
    authorId: p.authorId,
    type: p.type ?? 0,
    content: '',
    embeds: [],
    components: [],
    flags: FLAG.Loading | (p.ephemeral ? FLAG.Ephemeral : 0),
    attachments: [],
    ...(p.interactionId ? { interactionId: p.interactionId } : {}),
    ...(p.interactionMetadata ? { interactionMetadata: p.interactionMetadata } : {}),
    ...(p.ephemeral && p.visibleTo ? { visibleTo: p.visibleTo } : {}),
  });
  if (!p.ephemeral) announce(ctx, 'MESSAGE_CREATE', msg);
  return msg;
}

export function editMessage(ctx: Ctx, msg: MessageState, body: unknown, files: UploadedFile[]): MessageState {
  const channel = ctx.world.channel(msg.channelId);
  const v = validateMessage({
    body,
    files,
    mode: 'edit',
    existing: msg,
    allowEphemeral: false,
    voiceAllowed: false,
    sizeLimit: ctx.attachmentSizeLimit,
  });
  const added = v.add.map((d) =>
    ctx.world.addAttachment(channel.id, {
      filename: d.filename,
      contentType: d.contentType,
      data: d.file.data,
      ...(d.description !== undefined ? { description: d.description } : {}),
    }),
  );
  ctx.world.editMessage(msg, {
    content: v.content,
    embeds: v.embeds,
    components: v.components,
    flags: v.flags,
    attachments: [...v.keep, ...added],
  });
  if (!msg.visibleTo) announce(ctx, 'MESSAGE_UPDATE', msg);
  return msg;
}

export function deleteMessage(ctx: Ctx, msg: MessageState): void {
  ctx.world.deleteMessage(msg);
  if (msg.visibleTo) return;
  ctx.gateway.dispatch('MESSAGE_DELETE', INTENT.GuildMessages, msg.guildId, () => ({ id: msg.id, channel_id: msg.channelId, guild_id: msg.guildId }));
}

const UNICODE_EMOJI = /\p{Extended_Pictographic}|\p{Regional_Indicator}|[\u{1F3FB}-\u{1F3FF}]/u;

export function checkEmoji(emoji: string): string {
  if (!UNICODE_EMOJI.test(emoji) || emoji.includes(':')) throw new ApiError(400, 10014, 'Unknown Emoji');
  return emoji;
}

export function addReaction(ctx: Ctx, msg: MessageState, userId: string, emoji: string): void {
  const users = msg.reactions.get(emoji) ?? [];
  if (users.includes(userId)) return;
  users.push(userId);
  msg.reactions.set(emoji, users);
  const member = ctx.world.ensureMember(msg.guildId, userId);
  ctx.gateway.dispatch('MESSAGE_REACTION_ADD', INTENT.GuildMessageReactions, msg.guildId, () => ({
    user_id: userId,
    type: 0,
    message_id: msg.id,
    message_author_id: msg.authorId,
    member: memberObject(ctx, member),
    emoji: { id: null, name: emoji },
    channel_id: msg.channelId,
    burst: false,
    burst_colors: [],
    guild_id: msg.guildId,
  }));
}

export function removeReaction(ctx: Ctx, msg: MessageState, userId: string, emoji: string): void {
  const users = (msg.reactions.get(emoji) ?? []).filter((u) => u !== userId);
  msg.reactions.set(emoji, users);
  ctx.gateway.dispatch('MESSAGE_REACTION_REMOVE', INTENT.GuildMessageReactions, msg.guildId, () => ({
    user_id: userId,
    type: 0,
    message_id: msg.id,
    emoji: { id: null, name: emoji },
    channel_id: msg.channelId,
    burst: false,
    guild_id: msg.guildId,
  }));
}

function announce(ctx: Ctx, event: 'MESSAGE_CREATE' | 'MESSAGE_UPDATE', msg: MessageState): void {
  ctx.gateway.dispatch(event, INTENT.GuildMessages, msg.guildId, (view) =>
    messageObject(ctx, msg, { gateway: true, hasMessageContent: view.hasMessageContent }),
  );
}
