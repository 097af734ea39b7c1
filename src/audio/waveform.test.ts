import { describe, expect, it } from 'vitest';
import { sine } from '../../test/support/audio-tools.js';
import { WaveformBuilder, computeWaveform } from './waveform.js';

const decode = (b64: string) => [...Buffer.from(b64, 'base64')];

describe('waveform', () => {
  it('gives one point per 100 ms window for short audio and at most 256 points for long audio', () => {
    expect(decode(computeWaveform(sine(1, 24000), 24000))).toHaveLength(10);
    expect(decode(computeWaveform(sine(1.05, 24000), 24000))).toHaveLength(11); // partial window counts
    const builder = new WaveformBuilder({ sampleRate: 24000 });
    const second = sine(1, 24000);
    for (let i = 0; i < 600; i++) builder.push(second); // 10 minutes
    const long = builder.bytes();
    expect(long).toHaveLength(256);
    expect(Math.min(...long)).toBeGreaterThanOrEqual(254); // a steady tone is flat
  });

  it('shows loud parts bigger than quiet parts, and silence as zeros', () => {
    const samples = new Int16Array(24000 * 3);
    samples.set(sine(1, 24000, 440, 0.05), 0); // quiet
    samples.set(sine(1, 24000, 440, 0.8), 24000); // loud; last second silent
    const bytes = decode(computeWaveform(samples, 24000));
    expect(bytes).toHaveLength(30);
    const quiet = bytes.slice(0, 10);
    const loud = bytes.slice(10, 20);
    expect(Math.min(...loud)).toBe(255);
    expect(Math.max(...quiet)).toBeLessThan(30);
    expect(Math.min(...quiet)).toBeGreaterThan(0);
    expect(bytes.slice(20)).toEqual(Array(10).fill(0));
    expect(decode(computeWaveform(new Int16Array(48000), 48000))).toEqual(Array(10).fill(0));
    expect(decode(computeWaveform(new Int16Array(0), 48000))).toEqual([0]); // never empty
  });

  it('does not blow near-silence up to full scale', () => {
    const hiss = sine(1, 16000, 440, 0.001);
    expect(Math.max(...decode(computeWaveform(hiss, 16000)))).toBeLessThan(40);
  });

  it('is deterministic however the audio is split', () => {
    const samples = new Int16Array(24000 * 7);
    for (let i = 0; i < samples.length; i++) samples[i] = Math.round(20000 * Math.sin(i / 37) * Math.sin(i / 9000));
    const whole = computeWaveform(samples, 24000);
    const builder = new WaveformBuilder({ sampleRate: 24000 });
    for (let at = 0, n = 1; at < samples.length; at += n, n = (n * 7 + 3) % 5000) {
      builder.push(samples.subarray(at, at + n));
    }
    expect(builder.toBase64()).toBe(whole);
    expect(computeWaveform(samples, 24000)).toBe(whole);
    expect(decode(whole).length).toBeLessThanOrEqual(256);
  });
});
