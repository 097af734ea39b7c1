// A local Discord for discord.js 14: REST (/api/v10), gateway (WebSocket, JSON) and CDN on one 127.0.0.1 port,
// speaking the real protocols so the real Client runs against it. It carries its own copy of Discord's rules and
// does not import from src/.
//
//   const emu = await startDiscordEmulator();
//   const guild = emu.createGuild(); const channel = emu.createChannel(guild.id); const alice = emu.createUser();
//   const client = new Client({ intents: [...], rest: { api: emu.apiUrl } });
//   await client.login(emu.botToken);                         // GET /gateway/bot → ws → IDENTIFY → READY, GUILD_CREATE
//   await client.application!.commands.set([...]);             // commands must be registered before users run them
//   const h = await emu.slashCommand({ userId: alice.id, channelId: channel.id, name: 'translate',
//     options: { to: 'ja' }, attachments: { file: { name: 'a.ogg', data, contentType: 'audio/ogg' } } });
//   await emu.waitFor(() => emu.interaction(h).original?.content.includes('done'));
//
// Behaviour worth knowing (details in the files named):
// - Auth: bot routes need `Authorization: Bot <token>` (401 {"message":"401: Unauthorized","code":0}); interaction
//   callbacks and /webhooks/{app}/{token} use the interaction token (expired after 15 min → 401 50027).
// - Interactions (routes-interactions.ts): callback > 3 s after creation → 404 10062; a second → 400 40060; the first
//   followup after a deferred reply replaces the "is thinking..." message (as Discord does); voice messages are
//   accepted in Create Message and the type-4 reply only (a followup with IS_VOICE_MESSAGE → 50035, a guess; on edits
//   the flag is ignored, only SUPPRESS_EMBEDS is editable; editing a voice message → 50162).
// - Validation (message-validation.ts): 50035 trees for content > 2000, embed description > 4096, > 5 action rows,
//   bad custom_ids, unknown attachment ids; 50006 empty; voice: 50173 channel denies SEND_VOICE_MESSAGES, 50159
//   content/embeds/components, 50160 not one audio file, 50161 the file part is not audio/* or lacks
//   duration_secs/waveform, 50035 waveform not base64 of 1..256 bytes (the last is our choice).
//   discord.js sniffs a Buffer as application/ogg (→ 50161): send with client.rest and contentType 'audio/ogg', or
//   resolve a MessagePayload and set payload.files[0].contentType before send/reply (both tested).
// - Rate limits (rate-limits.ts): headers on every answer; 5/5 s per channel for message create and for edit, 5/5 s
//   per interaction token for webhook edits, 50/s global; 429 bodies like Discord's. Windows use the real clock.
// - MessageContent: a session without intent 1<<15 gets other users' messages with empty content, embeds,
//   attachments and components (not the bot's own, not ones mentioning it, never interaction `resolved` data).
//   `grantMessageContent: false` is the portal switch off: IDENTIFY with 1<<15 is closed 4014 and REST reads strip.
// - Gateway (gateway.ts): GUILD_CREATE needs the Guilds intent, MESSAGE_* GuildMessages, reactions
//   GuildMessageReactions; INTERACTION_CREATE always. Dispatches during a disconnect are replayed on RESUME.
// - Sharding (gateway.ts): IDENTIFY's `shard: [id, count]` limits the session (READY's guilds, GUILD_CREATE and every
//   guild event) to guilds with (guild_id >> 22) % count == id (`shardOf`); DMs go to shard 0; an id >= count (or a
//   malformed tuple) is closed 4010, more than `maxGuildsPerShard` guilds on the session 4011. GET /gateway/bot
//   recommends `recommendedShards`. `createGuild({ shard: [1, 2] })` lands a guild on a shard;
//   `gateway.sessions` says which shard each session is and which guilds' events it was sent.
// - CDN (cdn.ts): URLs are re-signed each time a message is serialised and live 24 h on the emulator clock;
//   bad/expired → 404 "This content is no longer available.".
// - Clock: `now`/`advanceTime` drive expiry (3 s, 15 min, CDN) and timestamps; nothing waits on it.

export { startDiscordEmulator } from './emulator.js';
export { CDN_URL_LIFETIME_SECS } from './cdn.js';
export { shardOf } from './clock-and-ids.js';
export { CALLBACK_DEADLINE_MS, TOKEN_LIFETIME_MS } from './interactions.js';
export { BUCKETS, GLOBAL_PER_SECOND } from './rate-limits.js';
export { LIMITS } from './message-validation.js';
export type {
  AttachmentView,
  AutocompleteOptions,
  CallbackRecord,
  Channel,
  ComponentOptions,
  DiscordEmulator,
  Fault,
  FileSpec,
  GatewaySessionView,
  GatewayStats,
  Guild,
  IdentifyRecord,
  InteractionHandle,
  InteractionView,
  Message,
  MessageCommandOptions,
  MessageVersion,
  MessageView,
  OptionValues,
  RecordedCall,
  RecordedFile,
  RegisteredCommand,
  SelectOptions,
  SlashCommandOptions,
  StartOptions,
  User,
  UserMessageOptions,
} from './types.js';
