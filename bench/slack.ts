/**
 * Slack figures against the emulators in this process, with native streaming and with the post + chat.update
 * fallback (the baseline, in the same run): model's first text → first visible update, model's last audio → MP3
 * shared in the thread, and writes (stream appends or chat.update calls) per job.
 */
import { pino } from 'pino';
import { startSlackBot } from '../adapters/slack/app.js';
import { sharedDeps } from '../cli/start-command.js';
import { loadConfig } from '../src/config.js';
import { startModelEmulator } from '../test/emulators/model/index.js';
import { startSlackEmulator } from '../test/emulators/slack/index.js';
import { fixtures } from '../test/support/media-fixtures.js';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const TEXT = 'This is a translated voice note of ordinary length, streamed by the model a few words at a time so that edits can keep up.';

async function measure(nativeStreaming: boolean, runs: number) {
  const model = await startModelEmulator({ apiKeys: ['bench'], text: TEXT, audioSeconds: 3, chunkDelayMs: 60 });
  const slack = await startSlackEmulator({ nativeStreaming });
  const channel = slack.createChannel();
  const user = slack.createUser({ locale: 'en-US' });
  const config = loadConfig({
    SLACK_BOT_TOKEN: slack.botToken, SLACK_SIGNING_SECRET: slack.signingSecret, SLACK_API_URL: slack.apiUrl, PORT: '0',
    DASHSCOPE_API_KEY: 'bench', DASHSCOPE_BASE_URL: model.baseUrl,
  });
  const logger = pino({ level: 'silent' });
  const bot = await startSlackBot({ ...sharedDeps(config, logger), botToken: slack.botToken, signingSecret: slack.signingSecret, apiUrl: slack.apiUrl, port: 0, logger });
  slack.setBotEndpoint(`http://127.0.0.1:${bot.port}/slack/events`);
  const wav = fixtures.wav(3);
  const firstUpdate: number[] = [];
  const fileAfter: number[] = [];
  const writes: number[] = [];
  try {
    for (let i = 0; i < runs; i++) {
      model.reset();
      model.configure({ chunkDelayMs: 60 });
      const msg = slack.postUserMessage(channel.id, user.id, { files: [{ name: 'a.wav', data: wav, mimetype: 'audio/wav' }] });
      await slack.messageShortcut({ userId: user.id, channelId: channel.id, messageTs: msg.ts, callbackId: 'translate_message' });
      const file = await slack.waitFor(() => slack.files().find((f) => f.threadTs === msg.ts && f.messageTs), 30_000);
      const reply = slack.thread(channel.id, msg.ts).find((m) => m.bot_id && m.files.length === 0)!;
      const req = model.requests[0]!;
      firstUpdate.push(reply.history.find((v) => v.text.includes(TEXT.slice(0, 4)))!.at - req.firstTextAt!);
      writes.push(reply.history.length - 1);
      fileAfter.push(slack.message(channel.id, file.messageTs!)!.history[0]!.at - req.lastAudioAt!);
    }
  } finally {
    await bot.stop();
    await slack.close();
    await model.close();
  }
  return { firstUpdate: median(firstUpdate), fileAfter: median(fileAfter), writes: median(writes) };
}

export async function slackBench(runs: number): Promise<string[]> {
  const native = await measure(true, runs);
  const update = await measure(false, runs);
  const ratio = (a: number, b: number) => (b > 0 ? `${(a / b).toFixed(2)}×` : '—');
  return [
    `| first model text → first visible update | ${native.firstUpdate.toFixed(0)} ms | ${update.firstUpdate.toFixed(0)} ms | ${ratio(update.firstUpdate, native.firstUpdate)} |`,
    `| model's last audio → MP3 shared in the thread | ${native.fileAfter.toFixed(0)} ms | ${update.fileAfter.toFixed(0)} ms | ${ratio(update.fileAfter, native.fileAfter)} |`,
    `| writes per job (${TEXT.length} chars, ~${Math.round(TEXT.length / 6)} deltas) | ${native.writes} | ${update.writes} | |`,
  ];
}
