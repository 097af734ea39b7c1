// How the Web API and payloads show messages, files, users, channels and views.

import type { Ctx } from './context.js';
import type { SlackFileObject, SlackMessageView } from './types.js';
import type { ChannelState, FileState, MessageState, UserState, ViewState } from './world.js';

export const fileUrls = (ctx: Ctx, f: FileState): { url_private: string; url_private_download: string } => {
  const prefix = `${ctx.base()}/files-pri/${ctx.world.teamId}-${f.id}`;
  const name = encodeURIComponent(f.name);
  return { url_private: `${prefix}/${name}`, url_private_download: `${prefix}/download/${name}` };
};

export function fileObject(ctx: Ctx, f: FileState): SlackFileObject {
  const { teamId, teamDomain } = ctx.world;
  const media = f.mimetype.split('/')[0];
  return {
    id: f.id,
    created: f.created,
    timestamp: f.created,
    name: f.name,
    title: f.title,
    mimetype: f.mimetype,
    filetype: f.filetype,
    pretty_type: f.filetype.toUpperCase(),
    user: f.user,
    user_team: teamId,
    editable: false,
    size: f.data?.length ?? f.declaredLength,
    mode: 'hosted',
    is_external: false,
    external_type: '',
    is_public: false,
    public_url_shared: false,
    display_as_bot: false,
    username: '',
    ...fileUrls(ctx, f),
    permalink: `https://${teamDomain}.slack.com/files/${f.user}/${f.id}/${encodeURIComponent(f.name)}`,
    file_access: 'visible',
    has_rich_preview: false,
    ...(f.subtype ? { subtype: f.subtype, media_display_type: media === 'video' ? 'video' : 'audio' } : {}),
    ...(f.durationMs !== undefined ? { duration_ms: f.durationMs } : {}),
    ...(f.transcription !== undefined
      ? { transcription: { status: 'complete', locale: 'en-US', preview: { content: f.transcription, has_more: false } } }
      : {}),
  };
}

export function botProfile(ctx: Ctx): Record<string, unknown> {
  return {
    id: ctx.botId,
    app_id: ctx.appId,
    name: ctx.world.botUser.name,
    icons: { image_36: '', image_48: '', image_72: '' },
    deleted: false,
    updated: 0,
    team_id: ctx.world.teamId,
  };
}

export function messageObject(ctx: Ctx, m: MessageState): Record<string, unknown> {
  const replies = m.threadTs === undefined || m.threadTs === m.ts ? ctx.world.replies(m) : [];
  const isParent = replies.length > 0;
  const files = m.fileIds.map((id) => ctx.world.files.get(id)).filter((f): f is FileState => !!f);
  const parent = m.threadTs && m.threadTs !== m.ts ? ctx.world.findMessage(m.channel, m.threadTs) : undefined;
  const replyUsers = [...new Set(replies.map((r) => r.user))];
  return {
    type: 'message',
    ...(m.subtype ? { subtype: m.subtype } : {}),
    ts: m.ts,
    user: m.user,
    text: m.text,
    team: ctx.world.teamId,
    ...(m.botId ? { bot_id: m.botId, app_id: ctx.appId, bot_profile: botProfile(ctx) } : {}),
    ...(m.blocks ? { blocks: m.blocks } : {}),
    ...(files.length ? { files: files.map((f) => fileObject(ctx, f)), upload: !m.botId, display_as_bot: false } : {}),
    ...(m.edited ? { edited: m.edited } : {}),
    ...(m.threadTs !== undefined || isParent ? { thread_ts: m.threadTs ?? m.ts } : {}),
    ...(parent ? { parent_user_id: parent.user } : {}),
    ...(isParent
      ? {
          reply_count: replies.length,
          reply_users_count: replyUsers.length,
          reply_users: replyUsers,
          latest_reply: replies[replies.length - 1]!.ts,
          is_locked: false,
          subscribed: false,
        }
      : {}),
    ...(m.reactions.size
      ? { reactions: [...m.reactions].map(([name, users]) => ({ name, users, count: users.length })) }
      : {}),
  };
}

export function messageView(ctx: Ctx, m: MessageState): SlackMessageView {
  const files = m.fileIds.map((id) => ctx.world.files.get(id)).filter((f): f is FileState => !!f);
  const stream = m.stream ? (({ markdown: _markdown, ...rest }) => ({ ...rest, chunks: [...rest.chunks] }))(m.stream) : undefined;
  return {
    channel: m.channel,
    ts: m.ts,
    ...(m.threadTs !== undefined ? { thread_ts: m.threadTs } : {}),
    user: m.user,
    ...(m.botId ? { bot_id: m.botId } : {}),
    ...(m.subtype ? { subtype: m.subtype } : {}),
    text: m.text,
    ...(m.blocks ? { blocks: m.blocks } : {}),
    files: files.map((f) => fileObject(ctx, f)),
    ...(m.replyBroadcast ? { reply_broadcast: true } : {}),
    edited: !!m.edited,
    ...(m.truncated ? { truncated: true } : {}),
    deleted: m.deleted,
    reactions: [...m.reactions].map(([name, users]) => ({ name, users: [...users] })),
    ...(stream ? { streaming: stream } : {}),
    history: m.history.map((h) => ({ ...h })),
  };
}

export function userObject(ctx: Ctx, u: UserState, includeLocale: boolean): Record<string, unknown> {
  return {
    id: u.id,
    team_id: ctx.world.teamId,
    name: u.name,
    deleted: false,
    color: '9f69e7',
    real_name: u.name,
    tz: 'Asia/Tokyo',
    tz_label: 'Japan Standard Time',
    tz_offset: 32400,
    profile: { real_name: u.name, display_name: u.name, team: ctx.world.teamId, ...(u.isBot ? { bot_id: ctx.botId } : {}) },
    is_admin: u.isAdmin,
    is_owner: u.isOwner,
    is_primary_owner: false,
    is_restricted: false,
    is_ultra_restricted: false,
    is_bot: u.isBot,
    is_app_user: false,
    updated: 0,
    ...(includeLocale ? { locale: u.locale } : {}),
  };
}

export function channelObject(c: ChannelState): Record<string, unknown> {
  if (c.isIm) {
    return { id: c.id, created: c.created, is_im: true, is_org_shared: false, user: c.imUser, is_user_deleted: false, priority: 0 };
  }
  return {
    id: c.id,
    name: c.name,
    is_channel: !c.isPrivate,
    is_group: c.isPrivate,
    is_im: false,
    is_mpim: false,
    is_private: c.isPrivate,
    created: c.created,
    is_archived: false,
    is_general: false,
    unlinked: 0,
    name_normalized: c.name,
    is_shared: false,
    is_org_shared: false,
    is_member: c.isMember,
    topic: { value: '', creator: '', last_set: 0 },
    purpose: { value: '', creator: '', last_set: 0 },
  };
}

export function viewObject(ctx: Ctx, v: ViewState, values: Record<string, unknown> = {}): Record<string, unknown> {
  const view = v.view;
  return {
    id: v.id,
    team_id: ctx.world.teamId,
    type: view['type'],
    blocks: view['blocks'] ?? [],
    private_metadata: view['private_metadata'] ?? '',
    callback_id: view['callback_id'] ?? '',
    state: { values },
    hash: v.hash,
    title: view['title'],
    clear_on_close: !!view['clear_on_close'],
    notify_on_close: !!view['notify_on_close'],
    close: view['close'] ?? null,
    submit: view['submit'] ?? null,
    previous_view_id: v.previousViewId ?? null,
    root_view_id: v.rootViewId,
    app_id: ctx.appId,
    external_id: view['external_id'] ?? '',
    app_installed_team_id: ctx.world.teamId,
    bot_id: ctx.botId,
  };
}
