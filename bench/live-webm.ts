/**
 * Issue 9 figure: a live WebM (no Duration, no Cues) holding more than the model's cap, 70 minutes of Opus at
 * 6 kbit/s in about 4 MB, through the bot's real intake with the system's ffmpeg. Before, its length was unknown, so
 * it was transcoded in full and sent; now the audio is measured by decoding it and refused at the cap. Printed, never
 * asserted; the file is made with ffmpeg first (about half a minute), not timed.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { findFfmpeg } from '../src/media/ffmpeg.js';
import { prepareMedia } from '../src/media/intake.js';
import { ffmpeg, withTempDir } from '../test/support/audio-tools.js';

export async function liveWebmBench(): Promise<string[]> {
  const minutes = 70;
  const file = withTempDir((dir) => {
    const out = join(dir, 'live.webm');
    const source = `sine=frequency=300:duration=${minutes * 60}:sample_rate=16000`;
    ffmpeg(['-v', 'error', '-f', 'lavfi', '-i', source, '-ac', '1', '-c:a', 'libopus', '-b:a', '6k', '-live', '1', out]);
    return readFileSync(out);
  });
  const started = performance.now();
  let outcome: string;
  try {
    await prepareMedia({ kind: 'bytes', data: file }, { maxBytes: 25 * 1024 * 1024, ffmpegPath: findFfmpeg(process.env.FFMPEG_PATH) });
    outcome = 'accepted';
  } catch (err) {
    outcome = `refused: ${(err as Error).message}`;
  }
  const ms = performance.now() - started;
  return [`| live WebM, ${minutes} min in ${(file.length / 1024 / 1024).toFixed(1)} MB, no Duration | ${(ms / 1000).toFixed(1)} s | ${outcome} |`];
}
