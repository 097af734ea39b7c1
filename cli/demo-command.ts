import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { pino } from 'pino';
import { startDiscordBot } from '../adapters/discord/bot.js';
import { encodeVoiceNote } from '../src/audio/voice-encoder.js';
import { loadConfig } from '../src/config.js';
import { startDiscordEmulator } from '../test/emulators/discord/index.js';
import { startModelEmulator } from '../test/emulators/model/index.js';
import type { CommandArgs } from './command-table.js';
import { sharedDeps } from './start-command.js';

/** A voice note to translate: 3 s of a rising tone, as Discord's clients would post it (Ogg Opus). */
async function sampleVoiceNote() {
  const rate = 24_000;
  const pcm = new Int16Array(rate * 3);
  for (let i = 0; i < pcm.length; i++) pcm[i] = Math.round(Math.sin((2 * Math.PI * (220 + i / 400) * i) / rate) * 12_000);
  return encodeVoiceNote((async function* () { yield pcm; })());
}

const line = (t0: number, text: string) => process.stdout.write(`[${((performance.now() - t0) / 1000).toFixed(2)} s] ${text}\n`);
const indent = (s: string) => s.split('\n').map((l) => `    ${l}`).join('\n');

/**
 * `livetranslate demo`: the whole Discord flow on this machine with no accounts. Starts the model and Discord
 * emulators and the bot against them, sends one voice note through /translate, prints each edit of the reply as it
 * happens and writes the voice message the bot posted to a file.
 */
export async function demoCommand({ values }: CommandArgs<'demo'>): Promise<number> {
  const model = await startModelEmulator({
    apiKeys: ['demo-key'], chunkDelayMs: 120, audioSeconds: 3,
    text: 'Hi everyone, quick update: the release moves to Thursday, and the demo is on Friday at ten.',
  });
  const discord = await startDiscordEmulator();
  const guild = discord.createGuild({ name: 'Demo Server' });
  const channel = discord.createChannel(guild.id, { name: 'voice-notes' });
  const alice = discord.createUser({ username: 'alice', locale: 'en-US' });
  const config = loadConfig({
    DISCORD_TOKEN: discord.botToken, DISCORD_API_URL: discord.apiUrl, DISCORD_GUILD_ID: guild.id,
    DASHSCOPE_API_KEY: 'demo-key', DASHSCOPE_BASE_URL: model.baseUrl,
  });
  model.reset();
  const logger = pino({ level: 'silent' });
  const bot = await startDiscordBot({ ...sharedDeps(config, logger), token: config.discord!.token, apiUrl: config.discord!.apiUrl, guildId: guild.id, logger });
  try {
    process.stdout.write('livetranslate demo: a model emulator, a Discord emulator and the bot, all on this machine.\n\n');
    const note = await sampleVoiceNote();
    const t0 = performance.now();
    line(t0, 'alice runs /translate file:voice-message.ogg to:English from:Chinese');
    const h = await discord.slashCommand({
      userId: alice.id, channelId: channel.id, name: 'translate', options: { to: 'en', from: 'zh' },
      attachments: { file: { name: 'voice-message.ogg', data: note.ogg, contentType: 'audio/ogg', durationSecs: note.durationSecs, waveform: note.waveform } },
    });
    let seen = 0;
    let printed = 0;
    const voice = await discord.waitFor(() => {
      const history = discord.interaction(h).original?.history ?? [];
      for (; seen < history.length; seen++) {
        const content = history[seen]!.content;
        if (content) line(t0, `reply ${printed++ === 0 ? 'shown' : 'edited'}:\n${indent(content)}`);
      }
      if (history.at(-1)?.content.includes('⚠️')) throw new Error('the translation failed (see the reply above)');
      return discord.messages(channel.id).find((m) => m.voiceMessage);
    }, 60_000);
    const attachment = voice.attachments[0]!;
    const out = resolve(values.out);
    await writeFile(out, discord.file(attachment.id)!);
    line(t0, `voice message posted: ${attachment.durationSecs?.toFixed(2)} s, waveform of ${Buffer.from(attachment.waveform ?? '', 'base64').length} points, written to ${out}`);
    process.stdout.write(`\nThe model emulator speaks a 440 Hz tone in place of a voice; play ${values.out} with any Opus player.\n`);
    return 0;
  } finally {
    await bot.stop();
    await discord.close();
    await model.close();
  }
}
