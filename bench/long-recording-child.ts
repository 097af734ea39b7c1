/**
 * One measurement of `bench/long-recording.ts`, in a fresh process (so peak memory is its own): a 60-minute tone
 * timeline (sentences with pauses, test/support/long-recording.ts) through `runSegmented` with N segments in flight
 * against the model emulator whose URL is given. Prints one JSON line.
 */
import { voiceBitrateFor } from '../src/pipeline.js';
import { planTranslation } from '../src/plan.js';
import { runSegmented } from '../src/segments/run-segmented.js';
import { Translator } from '../src/translator/translator.js';
import { toneTimeline } from '../test/support/long-recording.js';

const [baseUrl = '', inFlight = '3'] = process.argv.slice(2);
const timeline = toneTimeline({ durationSec: 60 * 60, seed: 60 });
const translator = new Translator({ apiKey: 'test-key', baseUrl, model: 'qwen3-livetranslate-flash', maxRetries: 0, streamRetries: 0 });
const started = performance.now();
let firstText: number | undefined;
const result = await runSegmented(translator, { samples: timeline.pcm, sampleRate: timeline.sampleRate }, planTranslation({ to: 'en' }, { strict: false }), {
  onText: () => (firstText ??= performance.now() - started),
}, undefined, { concurrency: Number(inFlight), voiceBitrate: voiceBitrateFor(timeline.durationSec) });
console.log(JSON.stringify({
  wallMs: performance.now() - started,
  firstTextMs: firstText,
  peakRssMb: process.resourceUsage().maxRSS / 1024,
  segments: result.segments?.length ?? 1,
  tokensIn: result.usage?.inputTokens ?? 0,
  tokensOut: result.usage?.outputTokens ?? 0,
  voiceSecs: result.voiceNote?.durationSecs ?? 0,
  voiceBytes: result.voiceNote?.ogg.length ?? 0,
  truncated: result.truncated,
}));
