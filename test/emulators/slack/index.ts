// A local Slack for @slack/bolt 5 and @slack/web-api 8: Web API, file upload/hosting, response_urls and Socket
// Mode on one 127.0.0.1 port, plus signed HTTP delivery of events and interactions to the bot. It carries its own
// copy of Slack's rules and does not import from src/, adapters/ or cli/.
//
//   const emu = await startSlackEmulator({ rateLimitWindowMs: 2000 });
//   const channel = emu.createChannel({ name: 'general' }); const alice = emu.createUser({ locale: 'ja-JP' });
//   const app = new App({ token: emu.botToken, signingSecret: emu.signingSecret, clientOptions: { slackApiUrl: emu.apiUrl } });
//   const server = await app.start({ port: 0, host: '127.0.0.1' });      // Bolt calls auth.test at start
//   emu.setBotEndpoint(`http://127.0.0.1:${port}/slack/events`);          // or socketMode: true, appToken: emu.appToken
//   const msg = emu.postUserMessage(channel.id, alice.id, { files: [{ name: 'a.m4a', data, mimetype: 'audio/mp4' }] });
//   const d = await emu.messageShortcut({ userId: alice.id, channelId: channel.id, messageTs: msg.ts, callbackId: 'translate_message' });
//   await emu.waitFor(() => emu.thread(channel.id, msg.ts).find((m) => m.bot_id && m.streaming?.state === 'stopped'));
//
// Behaviour worth knowing (details in the files named):
// - Web API (web-api.ts): HTTP 200 with {ok:true,…} / {ok:false,error}. not_authed / invalid_auth /
//   not_allowed_token_type (xapp- token only for apps.connections.open) / unknown_method. Form, JSON and multipart
//   bodies; JSON-encoded form fields (blocks, view, files, chunks) are decoded. Every call is in `calls`.
// - Messages (methods-chat.ts, message-validation.ts): not_in_channel when the bot is not a member;
//   postMessage text > 40 000 is truncated (view.truncated), chat.update text > 4 000 → msg_too_long; Block Kit
//   limits → invalid_blocks with json-pointer messages; chat.update of a streaming message →
//   streaming_state_conflict. Each message keeps `history` (one version per post/update/append/stop).
// - Streaming (methods-streaming.ts): thread_ts required (invalid_arguments); recipient_user_id and
//   recipient_team_id required outside DMs (missing_recipient_*); a stream keeps its opening shape
//   (markdown_text vs chunks — @slack/web-api 8's chatStream() always uses chunks); nativeStreaming: false →
//   'feature_not_enabled' (a GUESS, configurable). stopStreamAsUser → later appends get stopped_by_user.
// - Rate limits (rate-limits.ts): per-method tiers per workspace (chat.update Tier 3 = 50 per window,
//   chat.appendStream Tier 4, start/stopStream Tier 2, postMessage 60 per window per channel), 429 +
//   Retry-After seconds + {ok:false,error:'ratelimited'}. Windows are rateLimitWindowMs long on the real clock.
//   @slack/web-api waits Retry-After (pausing that client's whole queue), then retries with p-retry backoff.
// - Files (methods-files.ts, file-hosting.ts): getUploadURLExternal → POST bytes (raw or multipart) →
//   completeUploadExternal shares into channel_id/thread_ts as a bot message. url_private without the bot
//   token → 200 text/html sign-in page (recorded in `downloads`). A user's files are readable by the bot when
//   shared in a channel it is in, given by a shortcut, or submitted in a file_input.
// - Views (methods-views.ts, view-state.ts): trigger_id single use, 3 s on the emulator clock; view_submission
//   values per element type (file_input → files[] of full file objects); ack response_action applied.
// - Delivery (delivery.ts): Socket Mode when a socket is open, else signed HTTP to setBotEndpoint's URL; the ack
//   is awaited up to ackTimeoutMs (3 s) and timed (`ackMs`, `timedOut`). Slash command ack bodies become
//   ephemeral (or in_channel) messages. response_url (response-urls.ts): 5 uses / 30 min.
// - Clock: `now`/`advanceTime` drive ts, trigger and response_url expiry; signatures and rate windows use real time.

export { startSlackEmulator } from './emulator.js';
export type { SlackEmulator } from './emulator-interface.js';
export { signRequest } from './delivery.js';
export { LIMITS } from './message-validation.js';
export { METHOD_LIMITS, TIER } from './rate-limits.js';
export { LOGIN_PAGE } from './http-io.js';
export { RESPONSE_URL_LIFETIME_MS, RESPONSE_URL_MAX_USES, TRIGGER_LIFETIME_MS } from './world.js';
export type {
  BlockActionOptions,
  Channel,
  Delivery,
  DownloadRecord,
  EphemeralMessage,
  Fault,
  FileSpec,
  MessageVersion,
  OpenedView,
  OpenedViewVersion,
  RecordedCall,
  ShortcutOptions,
  SlackFileObject,
  SlackMessage,
  SlackMessageView,
  SlashCommandOptions,
  StartOptions,
  StreamView,
  SubmissionValue,
  UploadedFile,
  User,
  UserMessageOptions,
  ViewSubmissionOptions,
} from './types.js';
