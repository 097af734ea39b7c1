import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { TranslateError } from '../errors.js';

const executable = (path: string) => {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

/**
 * The ffmpeg to use for formats the bot cannot convert in-process: `FFMPEG_PATH` if set, else the binary of the
 * optional `@ffmpeg-installer/ffmpeg` package (installed by `npm ci` where its platform has one), else `ffmpeg` on
 * PATH. Undefined when there is none; callers then refuse with TRANSCODER_MISSING.
 */
export function findFfmpeg(configured?: string): string | undefined {
  if (configured) return executable(configured) ? configured : undefined;
  try {
    const bundled = (createRequire(import.meta.url)('@ffmpeg-installer/ffmpeg') as { path: string }).path;
    if (executable(bundled)) return bundled;
  } catch {
    // optional dependency not installed for this platform
  }
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const candidate = join(dir, 'ffmpeg');
    if (dir && executable(candidate)) return candidate;
  }
  return undefined;
}

export function requireFfmpeg(path: string | undefined, format: string): string {
  if (!path) {
    throw new TranslateError('TRANSCODER_MISSING', `(${format} needs ffmpeg: install it, or set FFMPEG_PATH.)`);
  }
  return path;
}

/**
 * Runs ffmpeg on `input` and returns what it wrote. The input goes through a temporary file (MP4 and MOV keep their
 * index at the end, which ffmpeg cannot seek to in a pipe); the output comes back through stdout.
 */
export async function runFfmpeg(
  ffmpeg: string, input: Buffer, outputArgs: string[], signal?: AbortSignal,
): Promise<Buffer> {
  return withTempFile(input, (inputPath) =>
    new Promise<Buffer>((resolve, reject) => {
      const child = spawn(ffmpeg, ['-nostdin', '-v', 'error', '-i', inputPath, ...outputArgs, 'pipe:1'], {
        stdio: ['ignore', 'pipe', 'pipe'],
        ...(signal ? { signal } : {}),
      });
      const out: Buffer[] = [];
      let err = '';
      child.stdout.on('data', (b: Buffer) => out.push(b));
      child.stderr.on('data', (b: Buffer) => (err += b.toString()));
      child.on('error', (cause) => {
        if (signal?.aborted) reject(new TranslateError('CANCELLED', undefined, { cause }));
        else reject(new TranslateError('TRANSCODE_FAILED', undefined, { cause }));
      });
      child.on('close', (code) => {
        if (code === 0) resolve(Buffer.concat(out));
        else reject(new TranslateError('TRANSCODE_FAILED', undefined, { cause: new Error(err.trim().slice(-500)) }));
      });
    }),
  );
}

/** The duration ffmpeg reports for `input` (for containers whose headers do not say), or undefined. */
export async function ffmpegDuration(ffmpeg: string, input: Buffer, signal?: AbortSignal): Promise<number | undefined> {
  return withTempFile(input, async (inputPath) => {
    const text = await new Promise<string>((resolve) => {
      const child = spawn(ffmpeg, ['-nostdin', '-hide_banner', '-i', inputPath], {
        stdio: ['ignore', 'ignore', 'pipe'],
        ...(signal ? { signal } : {}),
      });
      let err = '';
      child.stderr.on('data', (b: Buffer) => (err += b.toString()));
      child.on('error', () => resolve(''));
      child.on('close', () => resolve(err));
    });
    const m = /Duration: (\d+):(\d+):(\d+(?:\.\d+)?)/.exec(text);
    return m ? Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3]) : undefined;
  });
}

async function withTempFile<T>(data: Buffer, use: (path: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'livetranslate-'));
  try {
    const path = join(dir, 'input');
    await writeFile(path, data);
    return await use(path);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
