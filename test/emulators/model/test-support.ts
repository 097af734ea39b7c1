// Shared by the emulator's tests: WAV fixtures, tone analysis, and an openai SDK helper that sends
// livetranslate requests and collects what the stream carried.

import OpenAI from 'openai';
import type { ChatCompletionChunk, ChatCompletionCreateParamsStreaming } from 'openai/resources/chat/completions';

/** A PCM WAV (44-byte header) holding a sine tone. */
export function makeWav(seconds: number, opts: { rate?: number; hz?: number; bits?: 8 | 16 } = {}): Buffer {
  const rate = opts.rate ?? 16_000;
  const bits = opts.bits ?? 16;
  const hz = opts.hz ?? 300;
  const samples = Math.round(seconds * rate);
  const bytesPerSample = bits / 8;
  const data = Buffer.alloc(samples * bytesPerSample);
  for (let i = 0; i < samples; i++) {
    const s = Math.sin((2 * Math.PI * hz * i) / rate) * 0.3;
    if (bits === 16) data.writeInt16LE(Math.round(s * 32767), i * 2);
    else data.writeUInt8(128 + Math.round(s * 127), i);
  }
  const h = Buffer.alloc(44);
  h.write('RIFF', 0, 'latin1');
  h.writeUInt32LE(36 + data.length, 4);
  h.write('WAVE', 8, 'latin1');
  h.write('fmt ', 12, 'latin1');
  h.writeUInt32LE(16, 16); // fmt chunk size
  h.writeUInt16LE(1, 20); // PCM
  h.writeUInt16LE(1, 22); // mono
  h.writeUInt32LE(rate, 24);
  h.writeUInt32LE(rate * bytesPerSample, 28); // byte rate
  h.writeUInt16LE(bytesPerSample, 32); // block align
  h.writeUInt16LE(bits, 34);
  h.write('data', 36, 'latin1');
  h.writeUInt32LE(data.length, 40);
  return Buffer.concat([h, data]);
}

/** The first page header of an Ogg stream followed by junk: enough for a sniffer. */
export function fakeOgg(): Buffer {
  return Buffer.concat([Buffer.from('OggS', 'latin1'), Buffer.alloc(200, 7)]);
}

export const dataUri = (bytes: Buffer, mime = 'audio/wav'): string => `data:${mime};base64,${bytes.toString('base64')}`;

/** Reads s16le PCM bytes as samples. */
export function samplesOf(pcm: Buffer): Int16Array {
  const out = new Int16Array(Math.floor(pcm.length / 2));
  for (let i = 0; i < out.length; i++) out[i] = pcm.readInt16LE(i * 2);
  return out;
}

/** Frequency estimated from upward zero crossings. */
export function zeroCrossingHz(samples: Int16Array, rate: number): number {
  let ups = 0;
  for (let i = 1; i < samples.length; i++) if ((samples[i - 1] ?? 0) < 0 && (samples[i] ?? 0) >= 0) ups++;
  return ups / (samples.length / rate);
}

/** Relative power of one frequency (Goertzel), normalised by the signal's energy: ~1 for a pure tone. */
export function goertzelRatio(samples: Int16Array, rate: number, hz: number): number {
  const coeff = 2 * Math.cos((2 * Math.PI * hz) / rate);
  let s1 = 0;
  let s2 = 0;
  let energy = 0;
  for (const x of samples) {
    const s0 = x + coeff * s1 - s2;
    s2 = s1;
    s1 = s0;
    energy += x * x;
  }
  const power = s1 * s1 + s2 * s2 - coeff * s1 * s2;
  return (2 * power) / (samples.length * energy);
}

export interface Collected {
  chunks: ChatCompletionChunk[];
  text: string;
  fragments: string[];
  audioIds: Set<string>;
  finishReasons: string[];
  usage?: ChatCompletionChunk['usage'] & Record<string, unknown>;
}

type AudioDelta = { audio?: { data: string; id: string; expires_at: number } };

/** Iterates a stream, keeping text, audio fragments, finish reasons and usage. */
export async function collect(stream: AsyncIterable<ChatCompletionChunk>): Promise<Collected> {
  const out: Collected = { chunks: [], text: '', fragments: [], audioIds: new Set(), finishReasons: [] };
  for await (const chunk of stream) {
    out.chunks.push(chunk);
    const choice = chunk.choices[0];
    if (!choice) {
      if (chunk.usage) out.usage = chunk.usage as Collected['usage'];
      continue;
    }
    const delta = choice.delta as typeof choice.delta & AudioDelta;
    if (delta.content) out.text += delta.content;
    if (delta.audio) {
      out.fragments.push(delta.audio.data);
      out.audioIds.add(delta.audio.id);
    }
    if (choice.finish_reason) out.finishReasons.push(choice.finish_reason);
  }
  return out;
}

export const client = (baseURL: string, apiKey = 'test-key'): OpenAI => new OpenAI({ apiKey, baseURL, maxRetries: 0 });

/** A valid livetranslate body (WAV in, English text and Cherry's audio out) with overrides merged on top. */
export function livetranslateBody(wav: Buffer, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    model: 'qwen3-livetranslate-flash',
    messages: [{ role: 'user', content: [{ type: 'input_audio', input_audio: { data: dataUri(wav), format: 'wav' } }] }],
    modalities: ['text', 'audio'],
    audio: { voice: 'Cherry', format: 'wav' },
    stream: true,
    stream_options: { include_usage: true },
    translation_options: { source_lang: 'zh', target_lang: 'en' },
    ...overrides,
  };
}

/** Sends a body through the real SDK (unknown params such as translation_options pass through). */
export function send(
  ai: OpenAI,
  body: Record<string, unknown>,
  options?: OpenAI.RequestOptions,
): Promise<AsyncIterable<ChatCompletionChunk>> {
  return ai.chat.completions.create(body as unknown as ChatCompletionCreateParamsStreaming, options);
}
