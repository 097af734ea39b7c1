/**
 * Issue 10 figure: could a libopus that needs no compiling at install replace @discordjs/opus (node-gyp, about a
 * minute and a half of `npm ci` on 2 cores)? Encodes the same 60 s of 24 kHz mono (what the model speaks; a gliding,
 * amplitude-modulated tone with a little noise) in 20 ms frames at 32 kbit/s, complexity 10, application AUDIO —
 * VoiceEncoder's settings — then decodes every packet, with each backend that is installed. Only @discordjs/opus is
 * a dependency; `npm i --no-save opusscript @evan/opus` adds the candidates (opusscript: libopus in WebAssembly, the
 * fallback prism-media knows; @evan/opus: WebAssembly with SIMD, or a prebuilt native binary shipped in the package).
 * Speed is seconds of audio per CPU second, median of RUNS rounds with the backends alternating. Printed, never asserted.
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const RATE = 24_000;
const FRAME = 480;
const SECONDS = 60;
const BITRATE = 32_000;
const COMPLEXITY = 10;
const OPUS_SET_COMPLEXITY = 4010;

interface Codec { encode(frame: Buffer): Uint8Array; decode(packet: Uint8Array): Uint8Array }
type Factory = () => Codec;

const BACKENDS: Record<string, Factory> = {
  '@discordjs/opus (native, compiled at install)': () => {
    const { OpusEncoder } = require('@discordjs/opus');
    const enc = new OpusEncoder(RATE, 1);
    enc.setBitrate(BITRATE);
    enc.applyEncoderCTL(OPUS_SET_COMPLEXITY, COMPLEXITY);
    const dec = new OpusEncoder(RATE, 1);
    return { encode: (f) => enc.encode(f), decode: (p) => dec.decode(Buffer.from(p)) };
  },
  'opusscript (WebAssembly)': () => {
    const OpusScript = require('opusscript');
    const enc = new OpusScript(RATE, 1, OpusScript.Application.AUDIO);
    enc.setBitrate(BITRATE);
    enc.encoderCTL(OPUS_SET_COMPLEXITY, COMPLEXITY);
    const dec = new OpusScript(RATE, 1, OpusScript.Application.AUDIO);
    return { encode: (f) => enc.encode(f, FRAME), decode: (p) => dec.decode(Buffer.from(p)) };
  },
  '@evan/opus (WebAssembly, SIMD)': () => evan('wasm'),
  '@evan/opus (prebuilt native in the package)': () => evan('node'),
};

function evan(kind: 'wasm' | 'node'): Codec {
  const opus = require(`@evan/opus/${kind}/index.js`);
  const enc = new opus.Encoder({ channels: 1, sample_rate: RATE, application: 'audio' });
  enc.ctl(4002, BITRATE); // OPUS_SET_BITRATE
  enc.ctl(OPUS_SET_COMPLEXITY, COMPLEXITY);
  const dec = new opus.Decoder({ channels: 1, sample_rate: RATE });
  return { encode: (f) => enc.encode(f), decode: (p) => dec.decode(p) };
}

function signal(): Buffer[] {
  const pcm = new Int16Array(RATE * SECONDS);
  let seed = 1;
  const noise = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff) - 0.5;
  for (let i = 0; i < pcm.length; i++) {
    const t = i / RATE;
    const tone = Math.sin(2 * Math.PI * (180 + 60 * Math.sin(t)) * t) * (0.5 + 0.5 * Math.sin(2 * Math.PI * 3 * t));
    pcm[i] = Math.round((tone * 0.4 + noise() * 0.02) * 32767);
  }
  const frames: Buffer[] = [];
  for (let o = 0; o + FRAME <= pcm.length; o += FRAME) frames.push(Buffer.from(pcm.buffer, o * 2, FRAME * 2));
  return frames;
}

const cpuMs = (since: NodeJS.CpuUsage) => {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1000;
};
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export function opusBackendsBench(runs: number): string[] {
  const frames = signal();
  const codecs: Array<{ name: string; codec: Codec; loadMs: number; enc: number[]; dec: number[]; kbps: number }> = [];
  const missing: string[] = [];
  for (const [name, make] of Object.entries(BACKENDS)) {
    const started = performance.now();
    try {
      codecs.push({ name, codec: make(), loadMs: performance.now() - started, enc: [], dec: [], kbps: 0 });
    } catch {
      missing.push(name);
    }
  }
  for (let round = 0; round < runs; round++) {
    for (const c of codecs) {
      let since = process.cpuUsage();
      const packets = frames.map((f) => c.codec.encode(f));
      c.enc.push(SECONDS / (cpuMs(since) / 1000));
      since = process.cpuUsage();
      for (const p of packets) c.codec.decode(p);
      c.dec.push(SECONDS / (cpuMs(since) / 1000));
      c.kbps = (packets.reduce((n, p) => n + p.length, 0) * 8) / SECONDS / 1000;
    }
  }
  const base = codecs[0]!;
  return [
    ...codecs.map((c) => `| ${c.name} | ${median(c.enc).toFixed(0)}× | ${(median(c.enc) / median(base.enc)).toFixed(2)}× | ` +
      `${median(c.dec).toFixed(0)}× | ${(median(c.dec) / median(base.dec)).toFixed(2)}× | ${c.kbps.toFixed(1)} kbit/s | ${c.loadMs.toFixed(0)} ms |`),
    ...missing.map((name) => `| ${name} | not installed | | | | | |`),
  ];
}
