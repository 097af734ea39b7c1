import { execFile } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { OggOpusDecoder } from 'ogg-opus-decoder';
import { startModelEmulator, type ModelEmulator } from '../emulators/model/index.js';
import { frequencyOf, ffmpegDecode, fixtures } from '../support/media-fixtures.js';

const BIN = resolve(import.meta.dirname, '../../bin/livetranslate.js');
const dir = mkdtempSync(join(tmpdir(), 'lt-cli-'));
let emu: ModelEmulator;

interface Run { code: number; stdout: string; stderr: string }

function cli(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((done) => {
    execFile(process.execPath, [BIN, ...args], {
      cwd: dir,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, DASHSCOPE_API_KEY: 'test-key', DASHSCOPE_BASE_URL: emu.baseUrl, ...env },
    }, (error, stdout, stderr) => done({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }));
  });
}

function file(name: string, data: Buffer | string): string {
  const path = join(dir, name);
  writeFileSync(path, data);
  return path;
}

/** A refusal: one clear line on stderr, no stack trace, nothing on stdout, non-zero exit. */
function expectOneLineError(run: Run, fragment: string, code = 1) {
  expect(run.code).toBe(code);
  const lines = run.stderr.trim().split('\n');
  expect(lines, run.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^livetranslate: /);
  expect(lines[0]).toContain(fragment);
  expect(run.stderr).not.toMatch(/\n\s+at /);
}

beforeAll(async () => {
  emu = await startModelEmulator();
});
afterAll(() => emu.close());
beforeEach(() => emu.reset());

describe('livetranslate translate (real process, model emulator over HTTP)', () => {
  it('translates a WAV into streamed text and a voice note that plays at the right pitch and length', async () => {
    emu.configure({ text: 'Good morning, the meeting moves to three.', audioSeconds: 3 });
    const wav = file('hello.wav', fixtures.wav(2.5));
    const run = await cli(['translate', wav, '--to', 'en', '--from', 'zh', '--out', 'hello.ogg']);
    expect(run.stderr).toMatch(/usage: 3\d tokens in, \d+ out/);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('Good morning, the meeting moves to three.\n');
    const ogg = readFileSync(join(dir, 'hello.ogg'));
    // independent decoder 1: ffmpeg
    const { samples: pcm, stderr } = ffmpegDecode(ogg, 48000);
    expect(stderr).toBe('');
    expect(pcm.length / 48000).toBeCloseTo(3, 2);
    expect(frequencyOf(pcm, 48000)).toBeCloseTo(440, 0);
    // independent decoder 2: libopus in WebAssembly, with its own Ogg parser
    const decoder = new OggOpusDecoder();
    await decoder.ready;
    const decoded = await decoder.decodeFile(new Uint8Array(ogg));
    decoder.free();
    expect(decoded.sampleRate).toBe(48000);
    expect(decoded.samplesDecoded / 48000).toBeCloseTo(3, 2);
    expect(emu.requests[0]!.input).toMatchObject({ kind: 'audio', sniffed: 'wav' });
  });

  it('translates a Discord-style Ogg Opus voice note (converted in-process to WAV)', async () => {
    emu.configure({ audioSeconds: 2 });
    const note = file('voice-message.ogg', fixtures.oggOpus(4));
    const run = await cli(['translate', note, '--to', 'ja', '--voice', 'nofish', '--out', 'ja.ogg']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout.trim().length).toBeGreaterThan(0);
    expect(emu.requests[0]!.input).toMatchObject({ sniffed: 'wav' });
    expect(emu.requests[0]!.input!.durationSecs).toBeCloseTo(4, 1);
    expect((emu.requests[0]!.body as { audio: unknown }).audio).toEqual({ voice: 'Nofish', format: 'wav' });
    const pcm = ffmpegDecode(readFileSync(join(dir, 'ja.ogg')), 48000).samples;
    expect(pcm.length / 48000).toBeCloseTo(2, 2);
    expect(frequencyOf(pcm, 48000)).toBeCloseTo(440, 0);
  });

  it('asks for text only without --out, and prints events as JSON lines with --json', async () => {
    emu.configure({ text: 'Hola a todos.' });
    const run = await cli(['translate', file('a.mp3', fixtures.mp3(2)), '--to', 'spanish', '--json']);
    expect(run.code, run.stderr).toBe(0);
    const events = run.stdout.trim().split('\n').map((l) => JSON.parse(l) as { type: string; delta?: string });
    expect(events.filter((e) => e.type === 'text').map((e) => e.delta).join('')).toBe('Hola a todos.');
    expect(events.some((e) => e.type === 'audio')).toBe(false);
    expect(events.at(-1)).toEqual({ type: 'end', finishReason: 'stop', truncated: false });
    expect((emu.requests[0]!.body as { modalities: string[] }).modalities).toEqual(['text']);
  });

  it('says so and exits 3 when the model output cap cut the translation', async () => {
    emu.inject({ kind: 'length' });
    const run = await cli(['translate', file('b.wav', fixtures.wav(1)), '--to', 'fr']);
    expect(run.code).toBe(3);
    expect(run.stderr).toContain("cut short by the model's 4,096-token output limit");
  });

  describe('refuses bad input locally with one clear line, sending nothing to the model', () => {
    const cases: [string, () => string[], string, number?][] = [
      ['a missing file', () => ['translate', join(dir, 'nope.wav'), '--to', 'en'], 'does not exist'],
      ['a text file', () => ['translate', file('notes.wav', 'meeting notes, not audio\n'.repeat(40)), '--to', 'en'], 'not audio or video'],
      ['an empty file', () => ['translate', file('empty.ogg', ''), '--to', 'en'], 'empty'],
      ['an over-long recording', () => ['translate', file('long.amr', Buffer.concat([Buffer.from('#!AMR\n'), Buffer.alloc(130 * 60 * 50, 0x7c)])), '--to', 'en'], 'too long'],
      ['an unknown language', () => ['translate', file('c.wav', fixtures.wav(1)), '--to', 'klingon'], 'not one of the 18'],
      ['audio wanted for a text-only target', () => ['translate', file('d.wav', fixtures.wav(1)), '--to', 'th', '--out', 'x.ogg'], 'not speak it'],
      ['a voice that cannot speak the target', () => ['translate', file('e.wav', fixtures.wav(1)), '--to', 'en', '--voice', 'Kiki', '--out', 'x.ogg'], 'Kiki cannot speak English'],
      ['an unknown voice', () => ['translate', file('f.wav', fixtures.wav(1)), '--to', 'en', '--voice', 'Alloy'], 'no voice by that name'],
      ['a missing --to', () => ['translate', file('g.wav', fixtures.wav(1))], '--to <language> is required', 2],
      ['an unknown option', () => ['translate', file('h.wav', fixtures.wav(1)), '--to', 'en', '--loud'], 'Unknown option', 2],
    ];
    it.each(cases)('%s', async (_name, args, fragment, code = 1) => {
      expectOneLineError(await cli(args()), fragment, code);
      expect(emu.requests).toHaveLength(0);
    });

    it('a missing API key', async () => {
      expectOneLineError(await cli(['translate', file('i.wav', fixtures.wav(1)), '--to', 'en'], { DASHSCOPE_API_KEY: '' }), 'DASHSCOPE_API_KEY');
      expect(emu.requests).toHaveLength(0);
    });
  });

  it('refuses a URL on this machine or a private network, unless --allow-private-urls', async () => {
    const wav = fixtures.wav(1);
    const server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'audio/wav' }).end(wav));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/note.wav`;
    try {
      expectOneLineError(await cli(['translate', url, '--to', 'en']), 'only public');
      expect(emu.requests).toHaveLength(0);
      const allowed = await cli(['translate', url, '--to', 'en', '--allow-private-urls']);
      expect(allowed.code, allowed.stderr).toBe(0);
      expect(emu.requests[0]!.input).toMatchObject({ sniffed: 'wav', viaUrl: false });
    } finally {
      server.close();
    }
  });

  describe('reports provider errors with one clear line', () => {
    it('a rejected key', async () => {
      expectOneLineError(await cli(['translate', file('j.wav', fixtures.wav(1)), '--to', 'en'], { DASHSCOPE_API_KEY: 'bad' }), 'rejected the API key');
    });
    it('input moderation', async () => {
      emu.inject({ kind: 'input-moderation' });
      expectOneLineError(await cli(['translate', file('k.wav', fixtures.wav(1)), '--to', 'en']), 'inappropriate content');
    });
    it('a rate limit that outlasts the retries', async () => {
      emu.inject({ kind: 'status', status: 429, retryAfter: 0, times: 10 });
      expectOneLineError(await cli(['translate', file('l.wav', fixtures.wav(1)), '--to', 'en']), 'rate limit');
      expect(emu.requests.length).toBe(3);
    });
    it('moderation mid-stream, keeping the text already printed', async () => {
      emu.configure({ text: 'First part of the sentence, then more words that never arrive.' });
      emu.inject({ kind: 'output-moderation', afterChunks: 2 });
      const run = await cli(['translate', file('m.wav', fixtures.wav(1)), '--to', 'en']);
      expectOneLineError(run, 'output may contain inappropriate content');
      expect(run.stdout.length).toBeGreaterThan(0);
      expect('First part of the sentence, then more words that never arrive.'.startsWith(run.stdout)).toBe(true);
    });
    it('a cut stream', async () => {
      emu.inject({ kind: 'cut', afterChunks: 3 });
      expectOneLineError(await cli(['translate', file('n.wav', fixtures.wav(1)), '--to', 'en', '--out', 'n.ogg']), 'broke off');
    });
  });
});
