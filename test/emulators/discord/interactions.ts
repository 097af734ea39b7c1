// Interactions users start: payloads shaped as Discord dispatches them (INTERACTION_CREATE), and their state
// (acknowledgement, @original, followups) for the callback and webhook routes.

import { attachmentObject, channelObject, memberObject, messageObject, userObject, type Json } from './api-objects.js';
import { interactionToken } from './clock-and-ids.js';
import type { Ctx } from './context.js';
import { isObject } from './http-io.js';
import type { CallbackRecord, FileSpec, InteractionHandle, OptionValues, RegisteredCommand } from './types.js';
import type { ChannelState, MessageState } from './world.js';

/** An interaction must be answered within 3 s; its token works for 15 min. */
export const CALLBACK_DEADLINE_MS = 3000;
export const TOKEN_LIFETIME_MS = 15 * 60 * 1000;

export interface InteractionState extends InteractionHandle {
  createdAt: number;
  userId: string;
  channelId: string;
  guildId: string;
  commandType?: number;
  commandName?: string;
  targetMessageId?: string;
  componentMessageId?: string;
  acknowledged: boolean;
  ackType?: number;
  originalMessageId?: string;
  followupIds: string[];
  responses: CallbackRecord[];
  choices?: { name: string; value: string | number }[];
}

export class InteractionStore {
  readonly byId = new Map<string, InteractionState>();
  readonly byToken = new Map<string, InteractionState>();
  add(s: InteractionState): void {
    this.byId.set(s.id, s);
    this.byToken.set(s.token, s);
  }
}

interface Base {
  type: number;
  userId: string;
  channelId: string;
  locale?: string;
  data: Json;
  message?: MessageState;
  extra?: Partial<InteractionState>;
}

/** Builds the payload, records the state; the caller dispatches it. */
export function buildInteraction(ctx: Ctx, store: InteractionStore, b: Base): InteractionState {
  const { world } = ctx;
  const channel = world.channel(b.channelId);
  const guild = world.guild(channel.guildId);
  const user = world.user(b.userId);
  const member = world.ensureMember(guild.id, user.id);
  const id = world.ids.next();
  const token = interactionToken(id);
  const payload: Json = {
    id,
    application_id: ctx.applicationId,
    type: b.type,
    data: b.data,
    guild: { id: guild.id, locale: guild.preferredLocale, features: [] },
    guild_id: guild.id,
    channel: channelObject(channel),
    channel_id: channel.id,
    member: memberObject(ctx, member, { permissions: world.permissionsIn(channel, user.id) }),
    token,
    version: 1,
    app_permissions: world.permissionsIn(channel, world.botUser.id).toString(),
    locale: b.locale ?? user.locale,
    guild_locale: guild.preferredLocale,
    entitlements: [],
    entitlement_sku_ids: [],
    authorizing_integration_owners: { '0': guild.id },
    context: 0,
    attachment_size_limit: ctx.attachmentSizeLimit,
    ...(b.message ? { message: messageObject(ctx, b.message) } : {}),
  };
  const state: InteractionState = {
    id,
    token,
    type: b.type,
    payload,
    createdAt: ctx.clock.now(),
    userId: user.id,
    channelId: channel.id,
    guildId: guild.id,
    acknowledged: false,
    followupIds: [],
    responses: [],
    ...b.extra,
  };
  store.add(state);
  return state;
}

export function findCommand(ctx: Ctx, channel: ChannelState, name: string, type: number): RegisteredCommand {
  const list = [...(ctx.commands.get(channel.guildId) ?? []), ...(ctx.commands.get('global') ?? [])];
  const cmd = list.find((c) => c.name === name && c.type === type);
  if (!cmd) {
    const known = list.map((c) => `${c.name} (type ${c.type})`).join(', ') || 'none';
    throw new Error(`No registered command "${name}" of type ${type} for this guild; registered: ${known}`);
  }
  return cmd;
}

interface OptionDef {
  name: string;
  type: number;
  required?: boolean;
}

const defsOf = (options: unknown): OptionDef[] =>
  (Array.isArray(options) ? options : []).filter(isObject).map((o) => ({ name: String(o.name), type: Number(o.type), required: o.required === true }));
const optionDefs = (cmd: RegisteredCommand): OptionDef[] => defsOf(cmd.options);

/** A subcommand (option type 1) of `cmd` by name, with its own option definitions. */
function subcommandDefs(cmd: RegisteredCommand, name: string): OptionDef[] {
  const sub = (cmd.options ?? []).filter(isObject).find((o) => o.type === 1 && o.name === name);
  if (!sub) throw new Error(`Command "${cmd.name}" has no subcommand "${name}"`);
  return defsOf(sub.options);
}

function optionType(defs: OptionDef[], name: string, value: string | number | boolean, cmd: string): number {
  const def = defs.find((d) => d.name === name);
  if (def) return def.type;
  if (defs.length > 0) throw new Error(`Command "${cmd}" has no option "${name}"`);
  if (typeof value === 'boolean') return 5;
  if (typeof value === 'number') return Number.isInteger(value) ? 4 : 10;
  return 3;
}

/** data for a chat-input command (and autocomplete), with resolved attachments. */
export function chatInputData(
  ctx: Ctx,
  cmd: RegisteredCommand,
  channel: ChannelState,
  values: OptionValues,
  files: Record<string, FileSpec>,
  focused?: { name: string; value: string },
): Json {
  // `subcommand` in the values names the subcommand (type 1) whose options the other values are, as Discord nests them
  const { subcommand, ...rest } = values as OptionValues & { subcommand?: string };
  const defs = subcommand ? subcommandDefs(cmd, String(subcommand)) : optionDefs(cmd);
  const options: Json[] = Object.entries(rest).map(([name, value]) => ({ name, type: optionType(defs, name, value, cmd.name), value }));
  const resolved: Record<string, Json> = {};
  const channels: Record<string, Json> = {};
  for (const o of options) {
    if (o.type === 7) channels[String(o.value)] = channelObject(ctx.world.channel(String(o.value)));
  }
  for (const [name, spec] of Object.entries(files)) {
    const def = defs.find((d) => d.name === name);
    if (defs.length > 0 && def?.type !== 11) throw new Error(`Command "${cmd.name}" has no attachment option "${name}"`);
    const att = ctx.world.addAttachment(channel.id, {
      filename: spec.name,
      contentType: spec.contentType,
      data: spec.data,
      ...(spec.durationSecs !== undefined ? { durationSecs: spec.durationSecs } : {}),
      ...(spec.waveform !== undefined ? { waveform: spec.waveform } : {}),
      ...(spec.description !== undefined ? { description: spec.description } : {}),
    });
    resolved[att.id] = { ...attachmentObject(ctx, att), ephemeral: true };
    options.push({ name, type: 11, value: att.id });
  }
  if (focused) {
    options.push({ name: focused.name, type: optionType(defs, focused.name, focused.value, cmd.name), value: focused.value, focused: true });
  } else {
    const missing = defs.filter((d) => d.required && !options.some((o) => o.name === d.name));
    if (missing.length) throw new Error(`Command "${cmd.name}" needs option(s) ${missing.map((d) => d.name).join(', ')}`);
  }
  const resolvedData = {
    ...(Object.keys(resolved).length ? { attachments: resolved } : {}),
    ...(Object.keys(channels).length ? { channels } : {}),
  };
  const top = subcommand ? [{ name: String(subcommand), type: 1, ...(options.length ? { options } : {}) }] : options;
  return {
    id: cmd.id,
    name: cmd.name,
    type: 1,
    ...(cmd.guild_id ? { guild_id: cmd.guild_id } : {}),
    ...(top.length ? { options: top } : {}),
    ...(Object.keys(resolvedData).length ? { resolved: resolvedData } : {}),
  };
}

/** data for a message context-menu command: the target resolved WITH its content, whatever the intents. */
export function messageCommandData(ctx: Ctx, cmd: RegisteredCommand, target: MessageState): Json {
  const full = messageObject(ctx, target, { hasMessageContent: true });
  const member = ctx.world.ensureMember(target.guildId, target.authorId);
  return {
    id: cmd.id,
    name: cmd.name,
    type: 3,
    target_id: target.id,
    ...(cmd.guild_id ? { guild_id: cmd.guild_id } : {}),
    resolved: {
      messages: { [target.id]: full },
      users: { [target.authorId]: userObject(ctx.world.user(target.authorId)) },
      members: { [target.authorId]: memberObject(ctx, member, { user: false }) },
    },
  };
}

/** Finds a component by custom_id anywhere in a message's component tree. */
export function findComponent(components: unknown[], customId: string): Json | undefined {
  for (const c of components) {
    if (!isObject(c)) continue;
    if (c.custom_id === customId) return c;
    const inner = [c.components, c.accessory].flatMap((x) => (Array.isArray(x) ? x : x ? [x] : []));
    const hit = findComponent(inner, customId);
    if (hit) return hit;
  }
  return undefined;
}

/** What messages created by an interaction carry: application/webhook ids and interaction metadata. */
export function responseMetadata(ctx: Ctx, s: InteractionState, extra: Json = {}): Json {
  const user = userObject(ctx.world.user(s.userId));
  return {
    application_id: ctx.applicationId,
    webhook_id: ctx.applicationId,
    interaction_metadata: {
      id: s.id,
      type: s.type,
      user,
      authorizing_integration_owners: { '0': s.guildId },
      ...(s.commandName ? { name: s.commandName, command_type: s.commandType } : {}),
      ...(s.targetMessageId ? { target_message_id: s.targetMessageId } : {}),
      ...(s.componentMessageId ? { interacted_message_id: s.componentMessageId } : {}),
      ...extra,
    },
    ...(s.commandName ? { interaction: { id: s.id, type: s.type, name: s.commandName, user } } : {}),
  };
}

/** Message type of an interaction's reply: 20 chat input, 23 context menu, 0 otherwise. */
export const replyType = (s: InteractionState): number =>
  s.type === 2 ? (s.commandType === 1 ? 20 : 23) : 0;
