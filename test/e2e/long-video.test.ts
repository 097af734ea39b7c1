import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { encodeWav } from '../../src/audio/wav.js';
import { findFfmpeg } from '../../src/media/ffmpeg.js';
import { prepareMedia, SOUND_ONLY_ASKED } from '../../src/media/intake.js';
import { MAX_INPUT_TOKENS } from '../../src/media/tokens.js';
import type { ModelInputPart } from '../../src/media/types.js';
import { translateMedia, singleAnswerSecs } from '../../src/pipeline.js';
import { planTranslation } from '../../src/plan.js';
import { Translator } from '../../src/translator/translator.js';
import type { TranslatorLike } from '../../src/translator/types.js';
import { startModelEmulator, type ModelEmulator } from '../emulators/model/index.js';
import type { ReceivedInput } from '../emulators/model/types.js';
import { ffmpeg, ffmpegDecode } from '../support/audio-tools.js';
import { knownPauses, toneTimeline } from '../support/long-recording.js';
import { fixtures } from '../support/media-fixtures.js';
import { sentencesIn, sentenceWord } from '../support/segment-answers.js';
import { startDiscordStack, type DiscordStack } from './discord-stack.js';

/**
 * A long video (6 minutes of a test picture, 854×480 at 10 fps, over a timeline of tone "sentences" with known
 * pauses): segmented at the pauses of its sound, each segment sent as its own small MP4 (at most the configured
 * height and frame rate) within the model's input limit, the text in recording order; and the sound-only choice,
 * which sends audio parts only, in-process, through the CLI and through Discord /translate.
 */

const dir = mkdtempSync(join(tmpdir(), 'lt-long-video-'));
const timeline = toneTimeline({ durationSec: 6 * 60, seed: 23 });
const words = timeline.sentences.map(sentenceWord);
const pauses = knownPauses(timeline);
const videoPath = join(dir, 'lecture.mp4');
{
  const wav = join(dir, 'sound.wav');
  writeFileSync(wav, encodeWav(timeline.pcm, 16000));
  const r = ffmpeg(['-v', 'error', '-y', '-f', 'lavfi', '-i', `testsrc=size=854x480:rate=10:duration=${timeline.durationSec}`, '-i', wav,
    '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-b:a', '96k', '-shortest', videoPath]);
  if (r.status !== 0) throw new Error(r.stderr);
}
const video = readFileSync(videoPath);
const saidInOrder = (text: string) => text.match(/S\d+\./g) ?? [];

/** The tone sentences an input holds, whether it is a WAV segment or a video segment (its sound decoded by ffmpeg). */
const sentencesOf = (input: ReceivedInput) =>
  sentencesIn(input.format === 'wav' ? input.bytes : encodeWav(ffmpegDecode(input.bytes, 16000).samples, 16000));

interface Probed { codecs: string[]; width: number; height: number; fps: number; seconds: number }

function probe(data: Buffer): Probed {
  const path = join(dir, `probe-${Math.random().toString(36).slice(2)}.mp4`);
  writeFileSync(path, data);
  const r = spawnSync('ffprobe', ['-v', 'error', '-show_entries', 'stream=codec_name,width,height,avg_frame_rate:format=duration', '-of', 'json', path]);
  const j = JSON.parse(r.stdout.toString()) as { streams: { codec_name: string; width?: number; height?: number; avg_frame_rate: string }[]; format: { duration: string } };
  const v = j.streams.find((s) => s.width)!;
  const [n, d] = v.avg_frame_rate.split('/').map(Number) as [number, number];
  return { codecs: j.streams.map((s) => s.codec_name).sort(), width: v.width!, height: v.height!, fps: n / d, seconds: Number(j.format.duration) };
}

const dataOf = (part: ModelInputPart) => {
  const uri = part.type === 'video_url' ? part.video_url.url : part.input_audio.data;
  return Buffer.from(uri.slice(uri.indexOf(',') + 1), 'base64');
};

let model: ModelEmulator;
beforeAll(async () => {
  model = await startModelEmulator();
});
afterAll(() => model.close());
beforeEach(() => {
  model.reset();
  model.configure({ text: sentencesOf, chunkDelayMs: 0, audioSeconds: undefined, fragmentBytes: { min: 16_000, max: 32_000 } });
});

/** The model client the CLI uses, against the emulator, keeping every request's content part. */
function recordingTranslator(): { translator: TranslatorLike; parts: ModelInputPart[] } {
  const inner = new Translator({ apiKey: 'test-key', baseUrl: model.baseUrl, model: 'qwen3-livetranslate-flash' });
  const parts: ModelInputPart[] = [];
  return { parts, translator: { translate: (request, signal) => (parts.push(request.part), inner.translate(request, signal)) } };
}

const intake = { maxBytes: 200 * 1024 * 1024, maxSeconds: 7200, ffmpegPath: findFfmpeg(), spillAboveBytes: 256 * 1024 };

describe('a long video, segmented', () => {
  it('cuts the video at the pauses of its sound, each segment a small MP4 within the input limit, the text in order', async () => {
    const plan = planTranslation({ to: 'en' }, { strict: false });
    const encoding = { height: 240, fps: 2 };
    // spooled to a temporary file (over spillAboveBytes): the file must live until the last segment is cut
    const media = await prepareMedia({ kind: 'file', path: videoPath }, { ...intake, segmentAboveSecs: singleAnswerSecs(plan), videoEncoding: encoding });
    expect(media.video?.encoded).toEqual({ width: 428, height: 240, fps: 2 });
    expect(media.notices).toEqual([]);
    const { translator, parts } = recordingTranslator();
    const result = await translateMedia(translator, media, plan, {}, undefined, { concurrency: 2 });

    expect(result.truncated).toBe(false);
    expect(saidInOrder(result.text)).toEqual(words);
    const segments = result.segments!;
    expect(segments.length).toBeGreaterThanOrEqual(3);
    for (const s of segments.slice(1)) {
      expect(pauses.some((p) => p.startSec - 0.05 <= s.startSec && s.startSec <= p.endSec + 0.05), `cut at ${s.startSec}`).toBe(true);
    }
    expect(parts).toHaveLength(segments.length);
    expect(parts.every((p) => p.type === 'video_url')).toBe(true);
    const byStart = [...segments].sort((a, b) => a.startSec - b.startSec);
    const probed = parts.map((p) => probe(dataOf(p))).sort((a, b) => a.seconds - b.seconds);
    for (const p of probed) {
      expect(p.codecs).toEqual(['aac', 'h264']);
      expect(p.height).toBeLessThanOrEqual(encoding.height);
      expect(p.fps).toBeLessThanOrEqual(encoding.fps + 0.01);
    }
    // each MP4 is as long as one segment (in flight two at a time: compare the sorted lengths)
    const lengths = byStart.map((s) => s.endSec - s.startSec).sort((a, b) => a - b);
    probed.forEach((p, i) => expect(Math.abs(p.seconds - lengths[i]!)).toBeLessThan(1));
    for (const r of model.requests) {
      expect(r.status).toBe(200);
      expect(r.input).toMatchObject({ kind: 'video', sniffed: 'mp4', width: 428, height: 240 });
      expect(r.input!.promptTokens).toBeLessThanOrEqual(MAX_INPUT_TOKENS);
    }
    // released: no segment can be cut from the deleted file any more
    await expect(media.video!.cut(0, 1)).rejects.toThrow(/after release/);
  }, 240_000);

  it('resumes a segment the output cap cut with a cut of the video from its last pause (default 360p, 1 fps)', async () => {
    const plan = planTranslation({ to: 'en' }, { strict: false });
    const media = await prepareMedia({ kind: 'bytes', data: video }, { ...intake, segmentAboveSecs: singleAnswerSecs(plan) });
    expect(media.video?.encoded).toEqual({ width: 640, height: 360, fps: 1 });
    model.inject({ kind: 'length' });
    const { translator, parts } = recordingTranslator();
    const result = await translateMedia(translator, media, plan, {}, undefined, { concurrency: 1 });
    expect(result.truncated).toBe(false);
    const said = saidInOrder(result.text);
    // the rest is translated again from a pause before where the cut answer's speech got: a sentence may be said
    // twice (the text ran ahead of the speech), none is lost, and each first comes in recording order
    expect([...new Set(said)]).toEqual(words);
    expect(model.requests[0]!.status).toBe(200);
    expect(parts.length).toBe(result.segments!.length);
    expect(parts.length).toBeGreaterThan(3);
    for (const p of parts) {
      expect(p.type).toBe('video_url');
      const probed = probe(dataOf(p));
      expect(probed.height).toBe(360);
      expect(probed.fps).toBeLessThanOrEqual(1.01);
    }
    // the second request is the cut segment's rest: it starts where the first stopped, inside the first plan's segment
    expect(result.segments![1]!.startSec).toBeLessThan(150);
    expect(model.requests.every((r) => r.input!.promptTokens! <= MAX_INPUT_TOKENS)).toBe(true);
  }, 240_000);

  it('sends the sound only when asked: audio parts only, and says so', async () => {
    const plan = planTranslation({ to: 'en', textOnly: true, audioOnly: true }, { strict: false });
    expect(plan.audioOnly).toBe(true);
    // text-only segments are up to 420 s: a 300 s limit makes this 6-minute video two of them
    const sound = await prepareMedia({ kind: 'bytes', data: video }, { ...intake, segmentAboveSecs: 300, audioOnly: true });
    expect(sound.video).toBeUndefined();
    expect(sound.sent.kind).toBe('audio');
    expect(sound.notices).toEqual([SOUND_ONLY_ASKED]);
    const { translator, parts } = recordingTranslator();
    const result = await translateMedia(translator, sound, plan);
    expect(saidInOrder(result.text)).toEqual(words);
    expect(parts.every((p) => p.type === 'input_audio')).toBe(true);
    expect(model.requests.every((r) => r.input?.kind === 'audio')).toBe(true);
  }, 120_000);
});

const BIN = resolve(import.meta.dirname, '../../bin/livetranslate.js');
function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(process.execPath, [BIN, ...args], {
      cwd: dir, env: { PATH: process.env.PATH, HOME: process.env.HOME, DASHSCOPE_API_KEY: 'test-key', DASHSCOPE_BASE_URL: model.baseUrl },
    }, (error, stdout, stderr) => done({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }));
  });
}

describe('livetranslate translate --audio-only', () => {
  it('sends a long video as its sound, in segments, and a short one as one audio part', async () => {
    // with speech (--out) a segment is at most 150 s: the 6-minute video is cut in three or more
    const long = await cli(['translate', videoPath, '--to', 'en', '--audio-only', '--out', 'lecture.ogg']);
    expect(long.code, long.stderr).toBe(0);
    expect(long.stderr).toContain(`note: ${SOUND_ONLY_ASKED}`);
    expect(saidInOrder(long.stdout)).toEqual(words);
    expect(model.requests.length).toBeGreaterThanOrEqual(3);
    expect(model.requests.every((r) => r.input?.kind === 'audio' && r.input.sniffed === 'wav')).toBe(true);

    model.reset();
    model.configure({ text: 'Sound only.' });
    const clip = join(dir, 'clip.mp4');
    writeFileSync(clip, fixtures.mp4Video(3));
    const short = await cli(['translate', clip, '--to', 'en', '--audio-only']);
    expect(short.code, short.stderr).toBe(0);
    expect(model.requests.map((r) => r.input?.kind)).toEqual(['audio']);
    // without the option the same clip goes as a video
    const whole = await cli(['translate', clip, '--to', 'en']);
    expect(whole.code, whole.stderr).toBe(0);
    expect(model.requests.map((r) => r.input?.kind)).toEqual(['audio', 'video']);
  }, 120_000);
});

describe('Discord /translate audio_only', () => {
  let d: DiscordStack;
  beforeAll(async () => {
    d = await startDiscordStack();
  });
  afterAll(() => d.close());

  it('sends a video as its sound only, and the reply says "Sound only"', async () => {
    d.model.configure({ text: 'The sound of the clip, translated.', audioSeconds: 2 });
    const h = await d.discord.slashCommand({
      userId: d.alice.id, channelId: d.channel.id, name: 'translate', options: { to: 'en', audio_only: true },
      attachments: { file: { name: 'clip.mp4', data: fixtures.mp4Video(3), contentType: 'video/mp4' } },
    });
    const reply = await d.discord.waitFor(() => {
      const o = d.discord.interaction(h).original;
      return o && !o.loading && o.content.includes('translated.') && !o.content.includes('translating…') ? o : undefined;
    }, 20_000);
    expect(reply.content).toContain('Sound only');
    expect(d.model.requests.map((r) => r.input?.kind)).toEqual(['audio']);
  }, 60_000);
});
