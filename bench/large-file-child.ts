/**
 * One measurement of `bench/large-file.ts`, in a fresh process (so peak memory is its own): `prepareMedia` on the
 * file whose path is given, as the CLI calls it (200 MB cap, segmented past the text-only answer length). Prints one
 * JSON line: wall time, peak RSS (getrusage maxrss) and RSS before starting, and what the intake produced.
 */
import { findFfmpeg } from '../src/media/ffmpeg.js';
import { prepareMedia } from '../src/media/intake.js';

const [path = ''] = process.argv.slice(2);
const startRssMb = process.memoryUsage().rss / 1048576;
const started = performance.now();
const media = await prepareMedia({ kind: 'file', path }, {
  maxBytes: 200 * 1048576, maxSeconds: 2 * 3600, segmentAboveSecs: 420, ffmpegPath: findFfmpeg(process.env.FFMPEG_PATH),
});
console.log(JSON.stringify({
  wallMs: performance.now() - started,
  startRssMb,
  peakRssMb: process.resourceUsage().maxRSS / 1024,
  seconds: media.source.durationSecs,
  pcmMb: media.pcm ? media.pcm.samples.byteLength / 1048576 : 0,
  sentMb: media.sent.bytes / 1048576,
}));
