import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startModelEmulator, type ModelEmulator } from '../emulators/model/index.js';
import { ffmpeg, ffmpegOggOpus } from '../support/audio-tools.js';
import { flacHlsTrap, videoOnly } from './media-corpus.js';
import { oggEosOnFirstPage, oggOpusBomb } from './ogg-corpus.js';

/**
 * The hostile corpus against the real `livetranslate translate` process and the model emulator: each attack ends in
 * one line on stderr and exit 1, and the model is never called.
 */
const BIN = resolve(import.meta.dirname, '../../bin/livetranslate.js');
const dir = mkdtempSync(join(tmpdir(), 'lt-hostile-cli-'));
let emu: ModelEmulator;

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(process.execPath, [BIN, ...args], {
      cwd: dir,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, DASHSCOPE_API_KEY: 'test-key', DASHSCOPE_BASE_URL: emu.baseUrl },
    }, (error, stdout, stderr) => done({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }));
  });
}

function file(name: string, data: Buffer): string {
  writeFileSync(join(dir, name), data);
  return join(dir, name);
}

beforeAll(async () => {
  emu = await startModelEmulator();
});
afterAll(() => emu.close());
beforeEach(() => emu.reset());

describe('hostile files against the CLI', () => {
  const secret = join(dir, 'secret.mp3');
  ffmpeg(['-v', 'error', '-f', 'lavfi', '-i', 'sine=frequency=1234:duration=2', secret]);

  it.each([
    ['the Ogg Opus bomb (1 MB, 17 h of packets, claims 5 s)', () => file('bomb.ogg', oggOpusBomb({ bytes: 1 << 20, claimSeconds: 5 })), 'too long for one translation'],
    ['an Ogg with EOS on its first page', () => file('eos.ogg', oggEosOnFirstPage(ffmpegOggOpus({ seconds: 2 }))), 'could not be decoded'],
    ['a FLAC-sniffed HLS playlist naming a local file', () => file('trap.flac', flacHlsTrap(secret)), 'could not be decoded'],
    ['a video without sound', () => file('silent.mp4', videoOnly('mp4')), 'That video has no sound'],
  ])('%s: one line, exit 1, no model call', async (_name, make, fragment) => {
    const run = await cli(['translate', make(), '--to', 'en']);
    expect(run.code).toBe(1);
    const lines = run.stderr.trim().split('\n');
    expect(lines, run.stderr).toHaveLength(1);
    expect(lines[0]).toContain(fragment);
    expect(run.stdout).toBe('');
    expect(emu.requests).toHaveLength(0);
  });
});
