/**
 * One measured run of the audio pipeline, in its own process so that its peak memory is its own.
 * Usage: tsx bench/audio-pipeline.ts <streaming|seed> <base-url>
 *   streaming — as built: fragments reassembled and Opus-encoded while the model streams (Translator + VoiceEncoder)
 *   seed      — the model guide's way: concatenate all base64, decode after the stream ends, then encode
 * Prints one JSON line: { msLastChunkToNote, peakRssMb, encodeCpuMs, audioSeconds, oggBytes }.
 */
import OpenAI from 'openai';
import { VoiceEncoder } from '../src/audio/voice-encoder.js';
import { encodeWav } from '../src/audio/wav.js';
import { Translator } from '../src/translator/translator.js';
import type { TranslationRequest } from '../src/translator/types.js';

const [approach, baseUrl] = process.argv.slice(2);
if (!baseUrl || (approach !== 'streaming' && approach !== 'seed')) throw new Error('usage: audio-pipeline.ts <streaming|seed> <base-url>');

const input = encodeWav(new Int16Array(16000), 16000); // 1 s of input: the emulator's output length is configured
const request: TranslationRequest = {
  part: { type: 'input_audio', input_audio: { data: `data:audio/wav;base64,${input.toString('base64')}`, format: 'wav' } },
  target: 'en',
  voice: 'Cherry',
};

let peakRss = process.memoryUsage.rss();
const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage.rss())), 5);

async function streaming() {
  const translator = new Translator({ apiKey: 'test-key', baseUrl: baseUrl!, model: 'qwen3-livetranslate-flash', maxRetries: 0 });
  const encoder = new VoiceEncoder();
  let encodeCpu = 0;
  for await (const event of translator.translate(request)) {
    if (event.type !== 'audio') continue;
    const t = performance.now();
    encoder.write(event.pcm);
    encodeCpu += performance.now() - t;
  }
  const lastChunk = performance.now();
  const note = await encoder.finish();
  const done = performance.now();
  return { msLastChunkToNote: done - lastChunk, encodeCpuMs: encodeCpu + (done - lastChunk), note };
}

async function seed() {
  const client = new OpenAI({ apiKey: 'test-key', baseURL: baseUrl, maxRetries: 0 });
  const stream = await client.chat.completions.create({
    model: 'qwen3-livetranslate-flash',
    messages: [{ role: 'user', content: [request.part as never] }],
    modalities: ['text', 'audio'],
    audio: { voice: 'Cherry' as never, format: 'wav' },
    stream: true,
    stream_options: { include_usage: true },
    translation_options: { target_lang: 'en' },
  } as OpenAI.ChatCompletionCreateParamsStreaming);
  let audioString = '';
  for await (const chunk of stream) {
    const audio = (chunk.choices[0]?.delta as { audio?: { data?: string } } | undefined)?.audio;
    if (audio?.data) audioString += audio.data;
  }
  const lastChunk = performance.now();
  const bytes = Buffer.from(audioString, 'base64');
  const pcm = new Int16Array(bytes.buffer, bytes.byteOffset, Math.floor(bytes.byteLength / 2));
  const encoder = new VoiceEncoder();
  encoder.write(pcm);
  const note = await encoder.finish();
  const done = performance.now();
  return { msLastChunkToNote: done - lastChunk, encodeCpuMs: done - lastChunk, note };
}

const result = approach === 'streaming' ? await streaming() : await seed();
clearInterval(sampler);
peakRss = Math.max(peakRss, process.resourceUsage().maxRSS * 1024);
process.stdout.write(`${JSON.stringify({
  approach,
  msLastChunkToNote: result.msLastChunkToNote,
  encodeCpuMs: result.encodeCpuMs,
  peakRssMb: peakRss / 1024 / 1024,
  audioSeconds: result.note.durationSecs,
  oggBytes: result.note.ogg.length,
})}\n`);
