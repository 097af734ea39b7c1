// The workspace's state: users, channels, messages (with every version), files, views, triggers, response_urls.

import { Clock, TsSource, filetypeFor, randomHex, slackId, triggerId } from './clock-and-ids.js';
import type { FileSpec, MessageVersion, OpenedViewVersion, StreamView } from './types.js';

export interface UserState {
  id: string;
  name: string;
  locale: string;
  isAdmin: boolean;
  isOwner: boolean;
  isBot: boolean;
}

export interface ChannelState {
  id: string;
  name: string;
  isMember: boolean;
  isIm: boolean;
  isPrivate: boolean;
  /** For an IM: the other user. */
  imUser?: string;
  created: number;
}

export interface MessageState {
  channel: string;
  ts: string;
  threadTs?: string;
  user: string;
  /** Set on messages the bot posted. */
  botId?: string;
  subtype?: string;
  text: string;
  blocks?: unknown[];
  fileIds: string[];
  replyBroadcast?: boolean;
  edited?: { user: string; ts: string };
  truncated?: boolean;
  deleted: boolean;
  reactions: Map<string, string[]>;
  stream?: StreamView & { markdown: string };
  history: MessageVersion[];
}

export interface FileState {
  id: string;
  name: string;
  title: string;
  mimetype: string;
  filetype: string;
  user: string;
  created: number;
  data?: Buffer;
  declaredLength: number;
  completed: boolean;
  byBot: boolean;
  subtype?: string;
  transcription?: string;
  durationMs?: number;
  uploadToken?: string;
  channels: string[];
  /** The bot was given the file outside a channel (a modal's file_input). */
  grantedToBot?: boolean;
  share?: { channel: string; threadTs?: string; initialComment?: string; messageTs: string };
}

export interface ViewState {
  id: string;
  userId: string;
  view: Record<string, unknown>;
  hash: string;
  rootViewId: string;
  previousViewId?: string;
  closed: boolean;
  errors?: Record<string, string>;
  history: OpenedViewVersion[];
}

export interface TriggerState {
  userId: string;
  createdAt: number;
  used: boolean;
}

export interface ResponseUrlState {
  channelId: string;
  userId: string;
  messageTs?: string;
  createdAt: number;
  uses: number;
}

/** trigger_id lifetime; response_url lifetime and uses (Slack's documented numbers). */
export const TRIGGER_LIFETIME_MS = 3000;
export const RESPONSE_URL_LIFETIME_MS = 30 * 60_000;
export const RESPONSE_URL_MAX_USES = 5;

export class World {
  readonly users = new Map<string, UserState>();
  readonly channels = new Map<string, ChannelState>();
  readonly messages = new Map<string, MessageState[]>();
  readonly files = new Map<string, FileState>();
  readonly views = new Map<string, ViewState>();
  readonly triggers = new Map<string, TriggerState>();
  readonly responseUrls = new Map<string, ResponseUrlState>();
  readonly botUser: UserState;
  private readonly ts: TsSource;

  constructor(
    readonly clock: Clock,
    readonly teamId: string,
    readonly teamDomain: string,
    botName: string,
  ) {
    this.ts = new TsSource(clock);
    this.botUser = { id: slackId('U'), name: botName, locale: 'en-US', isAdmin: false, isOwner: false, isBot: true };
    this.users.set(this.botUser.id, this.botUser);
  }

  nextTs(): string {
    return this.ts.next();
  }

  addUser(o: { name?: string; locale?: string; isAdmin?: boolean; isOwner?: boolean }): UserState {
    const id = slackId('U');
    const u = { id, name: o.name ?? `user${this.users.size}`, locale: o.locale ?? 'en-US', isAdmin: !!o.isAdmin, isOwner: !!o.isOwner, isBot: false };
    this.users.set(id, u);
    return u;
  }

  addChannel(o: { name?: string; isMember?: boolean; isPrivate?: boolean; imUser?: string }): ChannelState {
    const isIm = o.imUser !== undefined;
    const id = slackId(isIm ? 'D' : o.isPrivate ? 'G' : 'C');
    const c: ChannelState = {
      id,
      name: o.name ?? (isIm ? id : `channel-${this.channels.size + 1}`),
      isMember: isIm ? true : (o.isMember ?? true),
      isIm,
      isPrivate: isIm || !!o.isPrivate,
      ...(isIm ? { imUser: o.imUser } : {}),
      created: Math.floor(this.clock.now() / 1000),
    };
    this.channels.set(id, c);
    this.messages.set(id, []);
    return c;
  }

  imWith(userId: string): ChannelState {
    for (const c of this.channels.values()) if (c.imUser === userId) return c;
    return this.addChannel({ imUser: userId });
  }

  channel(id: string): ChannelState | undefined {
    return this.channels.get(id);
  }

  requireChannel(id: string): ChannelState {
    const c = this.channels.get(id);
    if (!c) throw new Error(`Unknown channel ${id}`);
    return c;
  }

  requireUser(id: string): UserState {
    const u = this.users.get(id);
    if (!u) throw new Error(`Unknown user ${id}`);
    return u;
  }

  channelMessages(channelId: string): MessageState[] {
    return this.messages.get(channelId) ?? [];
  }

  findMessage(channelId: string, ts: string): MessageState | undefined {
    return this.channelMessages(channelId).find((m) => m.ts === ts);
  }

  requireMessage(channelId: string, ts: string): MessageState {
    const m = this.findMessage(channelId, ts);
    if (!m || m.deleted) throw new Error(`No message ${ts} in ${channelId}`);
    return m;
  }

  /** Adds a message; a thread_ts naming a reply is moved to that reply's parent, as Slack does. */
  addMessage(m: Omit<MessageState, 'ts' | 'deleted' | 'reactions' | 'history'> & { via: string }): MessageState {
    const { via, ...rest } = m;
    let threadTs = rest.threadTs;
    if (threadTs !== undefined) {
      const parent = this.findMessage(rest.channel, threadTs);
      if (parent?.threadTs && parent.threadTs !== parent.ts) threadTs = parent.threadTs;
    }
    const ts = this.nextTs();
    const msg: MessageState = {
      ...rest,
      ...(threadTs !== undefined ? { threadTs } : {}),
      ts,
      deleted: false,
      reactions: new Map(),
      history: [{ text: rest.text, ...(rest.blocks ? { blocks: rest.blocks } : {}), via, at: this.clock.now() }],
    };
    this.channelMessages(rest.channel).push(msg);
    return msg;
  }

  recordVersion(m: MessageState, via: string): void {
    m.history.push({ text: m.text, ...(m.blocks ? { blocks: m.blocks } : {}), via, at: this.clock.now() });
  }

  replies(m: MessageState): MessageState[] {
    return this.channelMessages(m.channel).filter((r) => !r.deleted && r.threadTs === m.ts && r.ts !== m.ts);
  }

  addFile(spec: FileSpec, user: string, byBot = false): FileState {
    const f: FileState = {
      id: slackId('F'),
      name: spec.name,
      title: spec.title ?? spec.name,
      mimetype: spec.mimetype,
      filetype: filetypeFor(spec.name, spec.mimetype),
      user,
      created: Math.floor(this.clock.now() / 1000),
      data: spec.data,
      declaredLength: spec.data.length,
      completed: true,
      byBot,
      ...(spec.subtype ? { subtype: spec.subtype } : {}),
      ...(spec.transcription !== undefined ? { transcription: spec.transcription } : {}),
      ...(spec.durationMs !== undefined ? { durationMs: spec.durationMs } : {}),
      channels: [],
    };
    this.files.set(f.id, f);
    return f;
  }

  newTrigger(userId: string): string {
    const id = triggerId(this.clock);
    this.triggers.set(id, { userId, createdAt: this.clock.now(), used: false });
    return id;
  }

  /** The error views.open/views.push give for this trigger, or its user. Single use. */
  useTrigger(id: string): { error: string } | { userId: string } {
    const t = this.triggers.get(id);
    if (!t) return { error: 'invalid_trigger_id' };
    if (t.used) return { error: 'exchanged_trigger_id' };
    if (this.clock.now() - t.createdAt > TRIGGER_LIFETIME_MS) return { error: 'expired_trigger_id' };
    t.used = true;
    return { userId: t.userId };
  }

  newResponseUrl(base: string, kind: 'actions' | 'commands', s: Omit<ResponseUrlState, 'createdAt' | 'uses'>): string {
    const path = `/${kind}/${this.teamId}/${Math.floor(Math.random() * 1e13)}/${randomHex(12)}`;
    this.responseUrls.set(path, { ...s, createdAt: this.clock.now(), uses: 0 });
    return `${base}${path}`;
  }
}
