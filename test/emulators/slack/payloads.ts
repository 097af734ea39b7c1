// The bodies Slack sends apps: event_callback envelopes, message_action, slash command fields, view_submission,
// block_actions (shapes as in Bolt's types and Slack's payload reference).

import { randomHex, slackId } from './clock-and-ids.js';
import type { Ctx } from './context.js';
import type { ChannelState, UserState } from './world.js';

/** The verification token Slack puts in payloads (deprecated; Bolt ignores it). */
export const VERIFICATION_TOKEN = 'emulatorVerificationToken';

const userRef = (ctx: Ctx, u: UserState) => ({ id: u.id, username: u.name, name: u.name, team_id: ctx.world.teamId });
const teamRef = (ctx: Ctx) => ({ id: ctx.world.teamId, domain: ctx.world.teamDomain });
const channelRef = (c: ChannelState) => ({ id: c.id, name: c.isIm ? 'directmessage' : c.name });
const actionTs = (ctx: Ctx) => (ctx.clock.now() / 1000).toFixed(6);

export function eventCallback(ctx: Ctx, event: Record<string, unknown>): Record<string, unknown> {
  return {
    token: VERIFICATION_TOKEN,
    team_id: ctx.world.teamId,
    context_team_id: ctx.world.teamId,
    context_enterprise_id: null,
    api_app_id: ctx.appId,
    event,
    type: 'event_callback',
    event_id: slackId('Ev', 10),
    event_time: Math.floor(ctx.clock.now() / 1000),
    authorizations: [
      { enterprise_id: null, team_id: ctx.world.teamId, user_id: ctx.world.botUser.id, is_bot: true, is_enterprise_install: false },
    ],
    is_ext_shared_channel: false,
    event_context: `4-${randomHex(20)}`,
  };
}

export function messageAction(
  ctx: Ctx,
  o: { user: UserState; channel: ChannelState; message: Record<string, unknown>; callbackId: string; triggerId: string; responseUrl: string },
): Record<string, unknown> {
  return {
    type: 'message_action',
    token: VERIFICATION_TOKEN,
    action_ts: actionTs(ctx),
    team: teamRef(ctx),
    user: userRef(ctx, o.user),
    channel: channelRef(o.channel),
    is_enterprise_install: false,
    enterprise: null,
    callback_id: o.callbackId,
    trigger_id: o.triggerId,
    response_url: o.responseUrl,
    message_ts: o.message['ts'],
    message: o.message,
  };
}

export function slashCommand(
  ctx: Ctx,
  o: { user: UserState; channel: ChannelState; command: string; text: string; triggerId: string; responseUrl: string },
): Record<string, string> {
  return {
    token: VERIFICATION_TOKEN,
    team_id: ctx.world.teamId,
    team_domain: ctx.world.teamDomain,
    channel_id: o.channel.id,
    channel_name: channelRef(o.channel).name,
    user_id: o.user.id,
    user_name: o.user.name,
    command: o.command,
    text: o.text,
    api_app_id: ctx.appId,
    is_enterprise_install: 'false',
    response_url: o.responseUrl,
    trigger_id: o.triggerId,
  };
}

export function viewSubmission(
  ctx: Ctx,
  o: { user: UserState; view: Record<string, unknown>; triggerId: string },
): Record<string, unknown> {
  return {
    type: 'view_submission',
    team: teamRef(ctx),
    user: userRef(ctx, o.user),
    api_app_id: ctx.appId,
    token: VERIFICATION_TOKEN,
    trigger_id: o.triggerId,
    view: o.view,
    response_urls: [],
    is_enterprise_install: false,
    enterprise: null,
  };
}

export function blockActions(
  ctx: Ctx,
  o: {
    user: UserState;
    action: Record<string, unknown>;
    triggerId: string;
    message?: { channel: ChannelState; object: Record<string, unknown>; responseUrl: string };
    view?: Record<string, unknown>;
  },
): Record<string, unknown> {
  const container = o.message
    ? { type: 'message', message_ts: o.message.object['ts'], channel_id: o.message.channel.id, is_ephemeral: false }
    : { type: 'view', view_id: o.view?.['id'] };
  return {
    type: 'block_actions',
    user: userRef(ctx, o.user),
    api_app_id: ctx.appId,
    token: VERIFICATION_TOKEN,
    container,
    trigger_id: o.triggerId,
    team: teamRef(ctx),
    enterprise: null,
    is_enterprise_install: false,
    ...(o.message
      ? { channel: channelRef(o.message.channel), message: o.message.object, state: { values: {} }, response_url: o.message.responseUrl }
      : { view: o.view }),
    actions: [{ ...o.action, action_ts: actionTs(ctx) }],
  };
}
