import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { fixtures } from '../support/media-fixtures.js';
import { startModelEmulator, type ModelEmulator } from '../emulators/model/index.js';

/** A credential the operator got wrong is named by its variable on the CLI's one line (the chat message is not). */

const BIN = resolve(import.meta.dirname, '../../bin/livetranslate.js');
let model: ModelEmulator;
let dir: string;
beforeAll(async () => {
  model = await startModelEmulator();
  dir = mkdtempSync(join(tmpdir(), 'lt-cli-credentials-'));
});
afterAll(async () => {
  await model.close();
  rmSync(dir, { recursive: true, force: true });
});

it('translate with a wrong DASHSCOPE_API_KEY names the variable, in one line, exit 1', async () => {
  const file = join(dir, 'note.wav');
  writeFileSync(file, fixtures.wav(1));
  // asynchronous: the model emulator answers from this process
  const child = spawn(process.execPath, [BIN, 'translate', file, '--to', 'en'], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, DASHSCOPE_API_KEY: 'wrong-key', DASHSCOPE_BASE_URL: model.baseUrl },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  const status = await new Promise<number | null>((done) => child.on('exit', done));
  expect(status).toBe(1);
  const lines = stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toBe('livetranslate: The translation service rejected the API key. Check DASHSCOPE_API_KEY.');
});
