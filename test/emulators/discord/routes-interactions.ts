// Interaction callbacks and the interaction webhook (@original, followups): no bot token, the interaction token is
// the credential. Callbacks must come within 3 s and once; the token expires after 15 min.

import { messageObject } from './api-objects.js';
import { ok, route, type Ctx, type Route, type RouteRequest } from './context.js';
import { ApiError, at, errors, fieldError, isObject } from './http-io.js';
import {
  CALLBACK_DEADLINE_MS,
  TOKEN_LIFETIME_MS,
  responseMetadata,
  replyType,
  type InteractionState,
  type InteractionStore,
} from './interactions.js';
import { createLoadingMessage, createMessage, deleteMessage, editMessage } from './message-actions.js';
import { BUCKETS } from './rate-limits.js';
import { FLAG, type MessageState } from './world.js';

const ALLOWED: Record<number, number[]> = { 2: [4, 5, 9], 3: [4, 5, 6, 7, 9], 4: [8], 5: [4, 5, 6, 7] };

export function interactionRoutes(ctx: Ctx, store: InteractionStore): Route[] {
  const { world } = ctx;
  const botId = world.botUser.id;

  const byToken = (r: RouteRequest): InteractionState => {
    const [app = '', token = ''] = r.params;
    if (app !== ctx.applicationId) throw errors.unknownWebhook();
    const s = store.byToken.get(token);
    if (!s || ctx.clock.now() - s.createdAt > TOKEN_LIFETIME_MS) throw errors.invalidWebhookToken();
    return s;
  };
  const ownMessage = (s: InteractionState, id: string | undefined): MessageState => {
    const msgId = id === '@original' ? s.originalMessageId : id;
    const isOwn = msgId !== undefined && (msgId === s.originalMessageId || s.followupIds.includes(msgId));
    const msg = isOwn ? world.messages.get(msgId) : undefined;
    if (!msg || msg.deletedAt !== null) throw errors.unknownMessage();
    return msg;
  };
  const messageJson = (msg: MessageState) => messageObject(ctx, msg);

  const callback = (r: RouteRequest) => {
    const [id = '', token = ''] = r.params;
    const s = store.byId.get(id);
    if (!s || s.token !== token) throw errors.unknownInteraction();
    const body = isObject(r.body.json) ? r.body.json : {};
    const type = typeof body.type === 'number' ? body.type : -1;
    const record = { at: ctx.clock.now(), type, status: 0, ...(body.data !== undefined ? { data: body.data } : {}) };
    s.responses.push(record);
    try {
      if (s.acknowledged) throw errors.alreadyAcknowledged();
      if (ctx.clock.now() - s.createdAt > CALLBACK_DEADLINE_MS) throw errors.unknownInteraction();
      const allowed = ALLOWED[s.type] ?? [];
      if (!allowed.includes(type)) {
        throw errors.invalidForm(at(['type'], fieldError('BASE_TYPE_CHOICES', `Value must be one of {${allowed.join(', ')}}.`)));
      }
      const message = respond(s, type, body.data, r);
      s.acknowledged = true;
      s.ackType = type;
      record.status = 204;
      if (r.query.get('with_response') !== 'true') return ok();
      record.status = 200;
      return ok({
        interaction: {
          id: s.id,
          type: s.type,
          ...(message ? { response_message_id: message.id } : {}),
          ...(message ? { response_message_loading: (message.flags & FLAG.Loading) !== 0 } : {}),
          ...(message ? { response_message_ephemeral: (message.flags & FLAG.Ephemeral) !== 0 } : {}),
        },
        resource: { type, ...(message ? { message: messageJson(message) } : {}) },
      });
    } catch (err) {
      if (err instanceof ApiError) Object.assign(record, { status: err.status, code: err.code });
      throw err;
    }
  };

  const respond = (s: InteractionState, type: number, data: unknown, r: RouteRequest): MessageState | undefined => {
    const channel = world.channel(s.channelId);
    const meta = responseMetadata(ctx, s);
    const d = isObject(data) ? data : {};
    switch (type) {
      case 4: {
        const msg = createMessage(ctx, {
          channel, authorId: botId, body: data, files: r.body.files, allowEphemeral: true, voiceRoute: true,
          type: replyType(s), interactionId: s.id, interactionMetadata: meta, visibleTo: s.userId,
        });
        s.originalMessageId = msg.id;
        return msg;
      }
      case 5: {
        const ephemeral = typeof d.flags === 'number' && (d.flags & FLAG.Ephemeral) !== 0;
        const msg = createLoadingMessage(ctx, {
          channel, authorId: botId, type: replyType(s), interactionId: s.id, interactionMetadata: meta, visibleTo: s.userId, ephemeral,
        });
        s.originalMessageId = msg.id;
        return msg;
      }
      case 6:
      case 7: {
        const target = world.messages.get(s.componentMessageId ?? '');
        if (!target) throw errors.unknownMessage();
        if (type === 7) editMessage(ctx, target, data, r.body.files);
        s.originalMessageId = target.id;
        return target;
      }
      case 8: {
        const choices = Array.isArray(d.choices) ? d.choices : undefined;
        if (!choices) throw errors.invalidForm(at(['data', 'choices'], fieldError('BASE_TYPE_REQUIRED', 'This field is required')));
        if (choices.length > 25) throw errors.invalidForm(at(['data', 'choices'], fieldError('BASE_TYPE_MAX_LENGTH', 'Must be 25 or fewer in length.')));
        s.choices = choices.filter(isObject).map((c) => ({ name: String(c.name), value: c.value as string | number }));
        return undefined;
      }
      default: {
        if (typeof d.custom_id !== 'string' || typeof d.title !== 'string' || !Array.isArray(d.components)) {
          throw errors.invalidForm(at(['data'], fieldError('MODAL_INVALID', 'A modal needs custom_id, title and components.')));
        }
        return undefined;
      }
    }
  };

  const perToken = (rule: (typeof BUCKETS)[keyof typeof BUCKETS]) => (p: string[]) => ({ rule, key: p[1] ?? '' });
  const W = '/webhooks/:app/:token';
  return [
    route('POST', '/interactions/:id/:token/callback', 'none', (p) => ({ rule: BUCKETS.callback, key: p[0] ?? '' }), callback),
    route('GET', `${W}/messages/@original`, 'none', perToken(BUCKETS.other), (r) => ok(messageJson(ownMessage(byToken(r), '@original')))),
    route('PATCH', `${W}/messages/@original`, 'none', perToken(BUCKETS.webhookEdit), (r) => {
      const msg = ownMessage(byToken(r), '@original');
      return ok(messageJson(editMessage(ctx, msg, r.body.json, r.body.files)));
    }),
    route('DELETE', `${W}/messages/@original`, 'none', perToken(BUCKETS.other), (r) => {
      deleteMessage(ctx, ownMessage(byToken(r), '@original'));
      return ok();
    }),
    route('GET', `${W}/messages/:message`, 'none', perToken(BUCKETS.other), (r) => ok(messageJson(ownMessage(byToken(r), r.params[2])))),
    route('PATCH', `${W}/messages/:message`, 'none', perToken(BUCKETS.webhookEdit), (r) => {
      const msg = ownMessage(byToken(r), r.params[2]);
      return ok(messageJson(editMessage(ctx, msg, r.body.json, r.body.files)));
    }),
    route('DELETE', `${W}/messages/:message`, 'none', perToken(BUCKETS.other), (r) => {
      deleteMessage(ctx, ownMessage(byToken(r), r.params[2]));
      return ok();
    }),
    route('POST', W, 'none', perToken(BUCKETS.webhookExecute), (r) => {
      const s = byToken(r);
      if (!s.acknowledged) throw errors.unknownWebhook();
      const original = s.originalMessageId ? world.messages.get(s.originalMessageId) : undefined;
      let msg: MessageState;
      if (original && (original.flags & FLAG.Loading) !== 0 && original.deletedAt === null) {
        // The first followup after a deferred reply resolves the "is thinking..." message itself.
        msg = editMessage(ctx, original, r.body.json, r.body.files);
      } else {
        msg = createMessage(ctx, {
          channel: world.channel(s.channelId), authorId: botId, body: r.body.json, files: r.body.files,
          allowEphemeral: true, voiceRoute: false, type: replyType(s), interactionId: s.id,
          interactionMetadata: responseMetadata(ctx, s, s.originalMessageId ? { original_response_message_id: s.originalMessageId } : {}),
          visibleTo: s.userId,
        });
        s.followupIds.push(msg.id);
      }
      return r.query.get('wait') === 'true' ? ok(messageJson(msg)) : ok();
    }),
  ];
}
