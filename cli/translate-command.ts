import { rename, writeFile } from 'node:fs/promises';
import { loadConfig, loadDotEnv, requireApiKey } from '../src/config.js';
import { TranslateError } from '../src/errors.js';
import { NOTICES } from '../src/jobs/notices.js';
import { createLogger, registerSecrets } from '../src/logger.js';
import { publicOnlyFetch } from '../src/media/url-policy.js';
import { findFfmpeg } from '../src/media/ffmpeg.js';
import { prepareMedia } from '../src/media/intake.js';
import type { MediaSource } from '../src/media/types.js';
import { singleAnswerSecs, translateMedia } from '../src/pipeline.js';
import { planTranslation } from '../src/plan.js';
import { accountLimiter } from '../src/translator/account-limiter.js';
import { Translator } from '../src/translator/translator.js';
import { setVoiceEncoderWorkers } from '../src/audio/voice-encoder.js';
import type { TranslationEvent } from '../src/translator/types.js';
import type { CommandArgs } from './command-table.js';

interface Args {
  input: string;
  to: string;
  from: string | undefined;
  voice: string | undefined;
  textOnly: boolean;
  audioOnly: boolean;
  out: string | undefined;
  json: boolean;
  allowPrivateUrls: boolean;
}

/** The checks parseArgs cannot make (cli/main.ts has parsed the options against cli/command-table.ts). */
function validate({ values, positionals }: CommandArgs<'translate'>): Args {
  if (positionals.length !== 1) throw new TranslateError('BAD_USAGE', '(give exactly one file or URL to translate; see livetranslate translate --help)');
  if (!values.to) throw new TranslateError('BAD_USAGE', '(--to <language> is required; see livetranslate translate --help)');
  if (values['text-only'] && values.out) throw new TranslateError('BAD_USAGE', '(--out writes speech; drop --text-only)');
  if (values.out !== undefined && !values.out.trim()) throw new TranslateError('BAD_USAGE', '(--out needs a file name)');
  return {
    input: positionals[0]!, to: values.to, from: values.from, voice: values.voice,
    textOnly: values['text-only'], audioOnly: values['audio-only'], out: values.out, json: values.json, allowPrivateUrls: values['allow-private-urls'],
  };
}

const toSource = (input: string): MediaSource =>
  /^https?:\/\//i.test(input) ? { kind: 'url', url: input } : { kind: 'file', path: input };

function jsonLine(event: TranslationEvent): string {
  return JSON.stringify(event.type === 'audio' ? { type: 'audio', samples: event.pcm.length } : event);
}

/**
 * `livetranslate translate`: the whole core on one file. Text streams to stdout as it arrives; notices, usage and
 * errors go to stderr (one line each), so stdout stays the translation. Speech is asked for only with `--out`.
 */
export async function translateCommand(parsed: CommandArgs<'translate'>): Promise<number> {
  const args = validate(parsed);
  loadDotEnv();
  const config = loadConfig();
  registerSecrets(config.dashscope.apiKey);
  if (config.opusWorkers !== undefined) setVoiceEncoderWorkers(config.opusWorkers);
  // Everything that can be refused locally is refused before the API key is even needed.
  const plan = planTranslation(
    { to: args.to, from: args.from, voice: args.voice, textOnly: args.out ? false : true, audioOnly: args.audioOnly || undefined },
    { strict: true },
  );
  const apiKey = requireApiKey(config);
  const controller = new AbortController();
  const onSigint = () => controller.abort(new TranslateError('CANCELLED'));
  process.once('SIGINT', onSigint);
  const out = (line: string) => process.stdout.write(line);
  const err = (line: string) => process.stderr.write(`${line}\n`);
  try {
    const media = await prepareMedia(toSource(args.input), {
      maxBytes: config.maxFileBytes,
      maxSeconds: config.maxRecordingSecs,
      segmentAboveSecs: singleAnswerSecs(plan),
      audioOnly: plan.audioOnly,
      videoEncoding: config.videoEncoding,
      ffmpegPath: findFfmpeg(config.ffmpegPath),
      // a URL from the command line must not reach into the local network unless asked (--allow-private-urls)
      fetch: publicOnlyFetch({ allowPrivate: args.allowPrivateUrls }),
      signal: controller.signal,
    });
    for (const notice of [...plan.notices, ...media.notices]) err(`note: ${notice}`);
    const translator = new Translator({
      apiKey, baseUrl: config.dashscope.baseUrl, model: config.dashscope.model,
      idleTimeoutMs: config.modelIdleTimeoutMs, maxOutputChars: config.maxOutputChars, deadlineMs: config.modelDeadlineMs,
      // a long recording's segments keep to the account's limits too
      limiter: accountLimiter(config.modelLimits),
      // stderr carries one-line messages here; JSON logs only when asked for with LOG_LEVEL=debug or trace
      logger: createLogger(['debug', 'trace'].includes(config.logLevel) ? config.logLevel : 'silent'),
    });
    const result = await translateMedia(translator, media, plan, {
      onText: args.json ? undefined : (delta) => out(delta),
      onEvent: args.json ? (event) => out(`${jsonLine(event)}\n`) : undefined,
      // a long recording: one line per finished segment, in recording order
      onSegment: args.json ? (s) => out(`${JSON.stringify({ type: 'segment', index: s.index, count: s.count, startSec: s.startSec, endSec: s.endSec, resumed: s.resumed, text: s.text })}\n`) : undefined,
    }, controller.signal);
    if (!args.json) out('\n');
    if (args.out) {
      if (!result.voiceNote) throw new TranslateError('STREAM_CUT', '(the model sent no speech)');
      await writeFile(`${args.out}.partial`, result.voiceNote.ogg);
      await rename(`${args.out}.partial`, args.out);
      const note = { type: 'voice', path: args.out, durationSecs: result.voiceNote.durationSecs, bytes: result.voiceNote.ogg.length };
      if (args.json) out(`${JSON.stringify(note)}\n`);
      else err(`voice note: ${args.out} (${note.durationSecs.toFixed(2)} s, ${note.bytes} bytes)`);
    }
    const u = result.usage;
    const seconds = media.source.durationSecs?.toFixed(1) ?? '?';
    err(u ? `usage: ${u.inputTokens} tokens in, ${u.outputTokens} out (${u.totalTokens} total) for ${seconds} s of ${media.source.kind}`
      : `usage: not reported by the service (${seconds} s of ${media.source.kind})`);
    if (result.truncated) {
      err(`warning: ${NOTICES.truncated}`);
      return 3;
    }
    return 0;
  } finally {
    process.off('SIGINT', onSigint);
  }
}
