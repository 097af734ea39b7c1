// What users do: post messages (with files, voice messages, replies), run commands, click components, type into
// autocompleted options, react. Each produces what Discord would dispatch to the bot.

import type { Ctx } from './context.js';
import type { UploadedFile } from './http-io.js';
import {
  buildInteraction,
  chatInputData,
  findCommand,
  findComponent,
  messageCommandData,
  type InteractionState,
  type InteractionStore,
} from './interactions.js';
import { addReaction, checkEmoji, createMessage } from './message-actions.js';
import type {
  AutocompleteOptions,
  ComponentOptions,
  MessageCommandOptions,
  SelectOptions,
  SlashCommandOptions,
  UserMessageOptions,
} from './types.js';
import { FLAG, type MessageState } from './world.js';

export function postUserMessage(ctx: Ctx, channelId: string, userId: string, opts: UserMessageOptions): MessageState {
  const channel = ctx.world.channel(channelId);
  ctx.world.user(userId);
  ctx.world.ensureMember(channel.guildId, userId);
  const files: UploadedFile[] = (opts.files ?? []).map((f, index) => ({
    field: `files[${index}]`,
    index,
    filename: f.name,
    contentType: f.contentType,
    data: f.data,
  }));
  const body = {
    ...(opts.content !== undefined ? { content: opts.content } : {}),
    ...(opts.voiceMessage ? { flags: FLAG.VoiceMessage } : {}),
    ...(opts.replyTo ? { message_reference: { message_id: opts.replyTo } } : {}),
    attachments: (opts.files ?? []).map((f, i) => ({
      id: String(i),
      filename: f.name,
      ...(f.durationSecs !== undefined ? { duration_secs: f.durationSecs } : {}),
      ...(f.waveform !== undefined ? { waveform: f.waveform } : {}),
      ...(f.description !== undefined ? { description: f.description } : {}),
    })),
  };
  return createMessage(ctx, { channel, authorId: userId, body, files, allowEphemeral: false, voiceRoute: true });
}

function dispatch(ctx: Ctx, s: InteractionState): InteractionState {
  ctx.gateway.dispatch('INTERACTION_CREATE', null, s.guildId, () => s.payload);
  return s;
}

export function slashCommand(ctx: Ctx, store: InteractionStore, o: SlashCommandOptions): InteractionState {
  const channel = ctx.world.channel(o.channelId);
  const cmd = findCommand(ctx, channel, o.name, 1);
  const data = chatInputData(ctx, cmd, channel, o.options ?? {}, o.attachments ?? {});
  return dispatch(
    ctx,
    buildInteraction(ctx, store, {
      type: 2,
      userId: o.userId,
      channelId: o.channelId,
      ...(o.locale ? { locale: o.locale } : {}),
      data,
      extra: { commandType: 1, commandName: cmd.name },
    }),
  );
}

export function autocomplete(ctx: Ctx, store: InteractionStore, o: AutocompleteOptions): InteractionState {
  const channel = ctx.world.channel(o.channelId);
  const cmd = findCommand(ctx, channel, o.name, 1);
  const data = chatInputData(ctx, cmd, channel, o.options ?? {}, {}, o.focused);
  return dispatch(
    ctx,
    buildInteraction(ctx, store, {
      type: 4,
      userId: o.userId,
      channelId: o.channelId,
      ...(o.locale ? { locale: o.locale } : {}),
      data,
      extra: { commandType: 1, commandName: cmd.name },
    }),
  );
}

export function messageCommand(ctx: Ctx, store: InteractionStore, o: MessageCommandOptions): InteractionState {
  const channel = ctx.world.channel(o.channelId);
  const cmd = findCommand(ctx, channel, o.name, 3);
  const target = ctx.world.message(o.channelId, o.targetMessageId);
  return dispatch(
    ctx,
    buildInteraction(ctx, store, {
      type: 2,
      userId: o.userId,
      channelId: o.channelId,
      ...(o.locale ? { locale: o.locale } : {}),
      data: messageCommandData(ctx, cmd, target),
      extra: { commandType: 3, commandName: cmd.name, targetMessageId: target.id },
    }),
  );
}

function componentTarget(ctx: Ctx, o: ComponentOptions, type: number): MessageState {
  const msg = ctx.world.messages.get(o.messageId);
  if (!msg || msg.channelId !== o.channelId || msg.deletedAt !== null) throw new Error(`No message ${o.messageId} in channel ${o.channelId}`);
  if (msg.visibleTo && msg.visibleTo !== o.userId) throw new Error(`Message ${o.messageId} is ephemeral to another user`);
  const comp = findComponent(msg.components, o.customId);
  if (!comp || comp.type !== type) throw new Error(`Message ${o.messageId} has no component of type ${type} with custom_id "${o.customId}"`);
  if (comp.disabled === true) throw new Error(`Component "${o.customId}" is disabled`);
  return msg;
}

export function clickButton(ctx: Ctx, store: InteractionStore, o: ComponentOptions): InteractionState {
  const msg = componentTarget(ctx, o, 2);
  return dispatch(
    ctx,
    buildInteraction(ctx, store, {
      type: 3,
      userId: o.userId,
      channelId: o.channelId,
      ...(o.locale ? { locale: o.locale } : {}),
      data: { custom_id: o.customId, component_type: 2 },
      message: msg,
      extra: { componentMessageId: msg.id },
    }),
  );
}

export function selectMenu(ctx: Ctx, store: InteractionStore, o: SelectOptions): InteractionState {
  const msg = componentTarget(ctx, o, 3);
  const comp = findComponent(msg.components, o.customId) ?? {};
  const allowed = Array.isArray(comp.options) ? comp.options.map((x: { value?: unknown }) => String(x.value)) : [];
  const bad = o.values.filter((v) => !allowed.includes(v));
  if (bad.length) throw new Error(`Select "${o.customId}" has no option(s) ${bad.join(', ')}`);
  return dispatch(
    ctx,
    buildInteraction(ctx, store, {
      type: 3,
      userId: o.userId,
      channelId: o.channelId,
      ...(o.locale ? { locale: o.locale } : {}),
      data: { custom_id: o.customId, component_type: 3, values: o.values },
      message: msg,
      extra: { componentMessageId: msg.id },
    }),
  );
}

export function userReaction(ctx: Ctx, channelId: string, messageId: string, userId: string, emoji: string): void {
  const msg = ctx.world.message(channelId, messageId);
  ctx.world.user(userId);
  addReaction(ctx, msg, userId, checkEmoji(emoji));
}
